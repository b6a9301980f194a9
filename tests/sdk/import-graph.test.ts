// The SDK's import graph: host-function declarations (assembly/abi/) import nothing, the callbacks
// the host calls live in assembly/callbacks/ beside the dispatcher, and the only import cycles left are
// the mutual type references of the public context classes (a root creates its stream contexts, which
// know their root).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { test } from "node:test";

const root = new URL("../../", import.meta.url).pathname;
const sdk = join(root, "assembly");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** Relative module specifiers a file imports or re-exports from. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/^(?:import|export)\b[^;]*?(?:from\s+)?"([^"]+)";/gms)].map((m) => m[1]!);
}

const files = sourceFiles(sdk);
const graph = new Map<string, string[]>(
  files.map((f) => [
    relative(sdk, f),
    specifiers(f)
      .filter((s) => s.startsWith("."))
      .map((s) => relative(sdk, join(dirname(f), s) + ".ts")),
  ]),
);

/** Strongly connected components with more than one file (Tarjan), each sorted. */
function cycles(): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        component.push(w);
      } while (w !== v);
      if (component.length > 1) out.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

test("every import resolves to an SDK file", () => {
  for (const [file, deps] of graph) for (const dep of deps) assert.ok(graph.has(dep), `${file} imports ${dep}`);
});

test("assembly/abi/ declares host functions and imports nothing (two files keep the build entry's import path)", () => {
  const entryPaths: Record<string, string> = {
    "abi/exports.ts": "../callbacks/exports",
    "abi/http-filter-exports.ts": "../callbacks/http-filter-exports",
  };
  const abiFiles = files.filter((f) => relative(sdk, f).startsWith("abi/")).map((f) => relative(sdk, f));
  assert.ok(abiFiles.length >= 14, abiFiles.join(" "));
  for (const file of abiFiles) {
    const imports = specifiers(join(sdk, file));
    if (file in entryPaths) {
      assert.deepEqual(imports, [entryPaths[file]], file);
      continue;
    }
    assert.deepEqual(imports, [], `${file} imports ${imports.join(", ")}`);
    const text = readFileSync(join(sdk, file), "utf8");
    assert.match(text, /@external\("env", "proxy_\w+"\)/, `${file} declares host functions`);
    assert.doesNotMatch(text, /^export function /m, `${file} defines no callback`);
  }
});

test("the callbacks live in assembly/callbacks/, and only the build-entry paths import them", () => {
  const callbackFiles = [...graph.keys()].filter((f) => f.startsWith("callbacks/"));
  assert.ok(callbackFiles.includes("callbacks/exports.ts") && callbackFiles.includes("callbacks/lifecycle.ts"), callbackFiles.join(" "));
  for (const [file, deps] of graph) {
    if (file.startsWith("callbacks/") || file === "abi/exports.ts" || file === "abi/http-filter-exports.ts") continue;
    for (const dep of deps) assert.ok(!dep.startsWith("callbacks/"), `${file} imports ${dep}`);
  }
});

test("the only import cycles are the context classes' mutual type references", () => {
  assert.deepEqual(cycles(), [
    ["compat/proxy-runtime/callouts.ts", "compat/proxy-runtime/contexts.ts"],
    ["http-context.ts", "root-context.ts", "stream-context.ts", "tcp-context.ts"],
  ]);
});
