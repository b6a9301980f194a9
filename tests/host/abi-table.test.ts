// The ABI table (scripts/host/abi-table.ts) is the only list of host functions and callbacks: the emulator
// implements exactly its host functions, area by area; the SDK declares exactly its ABI 0.2.1 env.proxy_*
// host functions (assembly/abi/<area>.ts) and exports its callbacks (assembly/callbacks/<area>.ts), with
// the same parameters, types and results. TypeScript checks each implementation's signature against the
// table (HostImplementation); this test checks the sets, the areas and the arities.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { test } from "node:test";
import {
  arity,
  hasAbi,
  HOST_FUNCTIONS,
  hostFunctionRows,
  MODULE_FUNCTIONS,
  moduleFunctionRows,
  paramName,
  paramTypes,
  type HostFunctionName,
} from "../../scripts/host/abi-table.ts";
import { implementations } from "../../scripts/host/abi/index.ts";
import type { Vm } from "../../scripts/host/vm.ts";

const root = new URL("../../", import.meta.url).pathname;
/** Implementations only read the VM when called; these are the fields they capture when bound. */
const unboundVm = { mem: {}, env: {}, abi: "0.2.1" } as unknown as Vm;

interface Declared {
  area: string;
  params: Array<{ name: string; type: "i32" | "i64" }>;
  result: "i32" | "i64" | "void";
}

const WASM_TYPE: Record<string, "i32" | "i64" | "void"> = { usize: "i32", u32: "i32", i32: "i32", bool: "i32", u64: "i64", i64: "i64", void: "void" };

function parseParams(text: string, where: string): Declared["params"] {
  return text
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const [name, type] = p.split(":").map((x) => x.trim()) as [string, string];
      const wasm = WASM_TYPE[type];
      assert.ok(wasm && wasm !== "void", `${where}: parameter type ${type}`);
      return { name, type: wasm as "i32" | "i64" };
    });
}

/** `@external("env", "x") export declare function x(...): t;` in every assembly/abi/<area>.ts. */
function sdkDeclarations(): Map<string, Declared> {
  const out = new Map<string, Declared>();
  const dir = join(root, "assembly", "abi");
  for (const file of readdirSync(dir)) {
    const text = readFileSync(join(dir, file), "utf8");
    for (const m of text.matchAll(/@external\("(\w+)", "(\w+)"\)\s*export declare function (\w+)\(([^)]*)\):\s*(\w+);/g)) {
      const [, module, external, name, params, result] = m as unknown as [string, string, string, string, string, string];
      assert.equal(module, "env", `${file}: ${external}`);
      assert.equal(name, external, `${file}: ${external} is declared under its own name`);
      assert.ok(!out.has(name), `${name} is declared twice`);
      out.set(name, { area: basename(file, ".ts"), params: parseParams(params, name), result: WASM_TYPE[result]! });
    }
  }
  return out;
}

/** `export function x(...): t` in every assembly/callbacks/<area>.ts. */
function sdkCallbacks(): Map<string, Declared> {
  const out = new Map<string, Declared>();
  const dir = join(root, "assembly", "callbacks");
  for (const file of readdirSync(dir)) {
    const text = readFileSync(join(dir, file), "utf8");
    for (const m of text.matchAll(/^export function (\w+)\(([^)]*)\):\s*(\w+)/gm)) {
      const [, name, params, result] = m as unknown as [string, string, string, string];
      out.set(name, { area: basename(file, ".ts"), params: parseParams(params, name), result: WASM_TYPE[result]! });
    }
  }
  return out;
}

function tableShape(params: readonly string[], result: string): Omit<Declared, "area"> {
  return { params: params.map((p, i) => ({ name: paramName(p), type: paramTypes(params)[i]! })), result: result as Declared["result"] };
}

test("the emulator implements every host function of the table and nothing else, with the table's arity", () => {
  const impl = implementations(unboundVm) as unknown as Record<string, (...args: unknown[]) => unknown>;
  assert.deepEqual(Object.keys(impl).sort(), Object.keys(HOST_FUNCTIONS).sort());
  for (const [name, fn] of Object.entries(impl)) {
    assert.equal(typeof fn, "function", name);
    // A fixed answer may ignore its arguments; a proxy_* implementation takes exactly the table's.
    if (name.startsWith("proxy_")) assert.equal(fn.length, arity(name), `${name} takes ${fn.length} arguments`);
    else assert.ok(fn.length <= arity(name), `${name} takes ${fn.length} arguments`);
  }
});

test("each scripts/host/abi/<area>.ts implements exactly the table's host functions of its area", async () => {
  const dir = join(root, "scripts", "host", "abi");
  const areas = readdirSync(dir).filter((f) => f !== "index.ts" && f.endsWith(".ts"));
  const covered: string[] = [];
  for (const file of areas) {
    const area = basename(file, ".ts");
    const module = (await import(join(dir, file))) as { functions(vm: Vm): Record<string, unknown> };
    const names = Object.keys(module.functions(unboundVm)).sort();
    const expected = hostFunctionRows()
      .filter(([, row]) => row.area === area)
      .map(([name]) => name)
      .sort();
    assert.deepEqual(names, expected, file);
    covered.push(...names);
  }
  assert.equal(covered.length, Object.keys(HOST_FUNCTIONS).length);
});

test("the SDK declares exactly the ABI 0.2.1 env.proxy_* host functions, in the table's area, with its signatures", () => {
  const declared = sdkDeclarations();
  const expected = hostFunctionRows().filter(
    ([name, row]) => name.startsWith("proxy_") && (row.module ?? "env") === "env" && hasAbi(row, "0.2.1"),
  );
  assert.deepEqual([...declared.keys()].sort(), expected.map(([name]) => name).sort());
  for (const [name, row] of expected) {
    const d = declared.get(name)!;
    assert.equal(d.area, row.area, `${name} is declared in assembly/abi/${d.area}.ts, the table's area is ${row.area}`);
    assert.deepEqual({ params: d.params, result: d.result }, tableShape(row.params, row.result), name);
  }
});

test("the SDK's callbacks are the table's, in its areas, with its signatures; it exports every one it must", () => {
  const exported = sdkCallbacks();
  for (const [name, d] of exported) {
    assert.ok(name in MODULE_FUNCTIONS, `assembly/callbacks/${d.area}.ts exports ${name}, which is not in the ABI table`);
    const row = MODULE_FUNCTIONS[name as keyof typeof MODULE_FUNCTIONS];
    assert.equal(d.area, row.area, `${name} is in assembly/callbacks/${d.area}.ts, the table's area is ${row.area}`);
    assert.deepEqual({ params: d.params, result: d.result }, tableShape(row.params, row.result), name);
  }
  // _initialize comes from asc (exportStart) and proxy_on_memory_allocate is malloc's alias.
  const owed = moduleFunctionRows()
    .filter(([name, row]) => row.sdk !== false && row.role !== "start" && hasAbi(row, "0.2.1") && name !== "proxy_on_memory_allocate")
    .map(([name]) => name);
  for (const name of owed) assert.ok(exported.has(name), `the SDK exports no ${name}`);
  const entry = readFileSync(join(root, "assembly", "callbacks", "http-filter-exports.ts"), "utf8");
  assert.match(entry, /malloc as proxy_on_memory_allocate/);
});

test("table rows are well formed: unique parameter names, known types, host functions and callbacks apart", () => {
  const rows = [...hostFunctionRows(), ...moduleFunctionRows()];
  for (const [name, row] of rows) {
    const names = row.params.map(paramName);
    assert.equal(new Set(names).size, names.length, `${name}: duplicate parameter names`);
    for (const p of row.params) assert.match(p, /^[a-zA-Z]\w*(:i64)?$/, `${name}: parameter ${p}`);
    assert.ok(!(name in HOST_FUNCTIONS && name in MODULE_FUNCTIONS), `${name} is both`);
  }
  const sample: HostFunctionName = "proxy_increment_metric";
  assert.deepEqual(paramTypes(HOST_FUNCTIONS[sample].params), ["i32", "i64"]);
});
