// Every built filter module, release and debug, is one Envoy would load: valid, importing only ABI
// 0.2.1 env.proxy_* functions with their exact types, exporting the marker, one allocator under both
// names, _initialize, memory and correctly typed callbacks, without a start section. The same holds
// for the examples compiled with AssemblyScript 0.28.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { HOST_FUNCTIONS } from "./abi-signatures.ts";
import { exportProblems, importProblems, layoutProblems, moduleProblems, validate } from "./module-checks.ts";
import { formatSignature, readSections, type ModuleSections } from "./wasm-sections.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const buildDir = join(root, "build");

function wasmFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".wasm"))
    .sort()
    .map((name) => join(dir, name));
}

function exampleNames(): string[] {
  return readdirSync(join(root, "examples"))
    .filter((name) => existsSync(join(root, "examples", name, "main.ts")))
    .sort();
}

function sectionsOf(path: string): ModuleSections {
  return readSections(readFileSync(path));
}

/** Signatures V8 reports with --experimental-wasm-type-reflection, to hold the section reader to. */
function reflectedSignatures(paths: string[]): Record<string, { imports: string[]; exports: string[] }> {
  const script = `
    const { readFileSync } = require("node:fs");
    const sig = (t) => t ? "(" + t.parameters.join(",") + ")->(" + t.results.join(",") + ")" : "";
    const out = {};
    for (const path of JSON.parse(process.argv[1])) {
      const m = new WebAssembly.Module(readFileSync(path));
      out[path] = {
        imports: WebAssembly.Module.imports(m).map((i) => i.module + "." + i.name + " " + i.kind + " " + sig(i.type)),
        exports: WebAssembly.Module.exports(m).map((e) => e.name + " " + e.kind + " " + (e.kind === "function" ? sig(e.type) : "")),
      };
    }
    console.log(JSON.stringify(out));`;
  const result = spawnSync(process.execPath, ["--experimental-wasm-type-reflection", "-e", script, JSON.stringify(paths)], {
    encoding: "utf8",
  });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout);
}

function describeSections(sections: ModuleSections): { imports: string[]; exports: string[] } {
  return {
    imports: sections.imports.map((i) => `${i.module}.${i.name} ${i.kind} ${i.kind === "function" ? formatSignature(i.signature) : ""}`),
    exports: sections.exports.map(
      (e) => `${e.name} ${e.kind} ${e.kind === "function" ? formatSignature(sections.functions[e.index]) : ""}`,
    ),
  };
}

/** One test per module, plus a check that the section reader agrees with V8 on all of them. */
function checkModules(files: string[]): void {
  for (const path of files) {
    test(path.replace(root, ""), () => {
      assert.deepEqual(moduleProblems(path, sectionsOf(path)), []);
    });
  }
  test("the section reader agrees with V8's type reflection", () => {
    const reflected = reflectedSignatures(files);
    for (const path of files) assert.deepEqual(describeSections(sectionsOf(path)), reflected[path], path);
  });
}

describe("build/*.wasm and build/*.debug.wasm", () => {
  const files = existsSync(buildDir) ? wasmFiles(buildDir) : [];

  test("every example has a release and a debug build (npm run asbuild)", () => {
    const missing = exampleNames()
      .flatMap((name) => [`${name}.wasm`, `${name}.debug.wasm`])
      .filter((file) => !existsSync(join(buildDir, file)));
    assert.deepEqual(missing, []);
    assert.ok(files.length >= 2);
  });

  checkModules(files);
});

describe("the checks themselves", () => {
  const add = { params: ["i32", "i32", "i32"], results: ["i32"] } as ModuleSections["types"][number];

  test("catch AssemblyScript's default imports, unknown host functions, wrong types and imported globals", () => {
    const sections: ModuleSections = {
      types: [],
      functions: [],
      exports: [],
      hasStart: false,
      customSections: [],
      imports: [
        { module: "env", name: "abort", kind: "function", signature: { params: ["i32", "i32", "i32", "i32"], results: [] } },
        { module: "env", name: "seed", kind: "function", signature: { params: [], results: ["f64"] } },
        { module: "env", name: "proxy_clear_route_cache", kind: "function", signature: { params: [], results: ["i32"] } },
        { module: "env", name: "proxy_log", kind: "function", signature: { params: ["i32", "i32"], results: ["i32"] } },
        { module: "env", name: "proxy_increment_metric", kind: "function", signature: { params: ["i32", "i32"], results: ["i32"] } },
        { module: "wasi_snapshot_preview1", name: "fd_write", kind: "function", signature: add },
        { module: "env", name: "g", kind: "global" },
        { module: "env", name: "proxy_get_property", kind: "function", signature: { params: ["i32", "i32", "i32", "i32"], results: ["i32"] } },
      ],
    };
    const problems = importProblems(sections);
    assert.equal(problems.length, 7, problems.join("\n"));
    assert.match(problems[0], /env\.abort: AssemblyScript's default/);
    assert.match(problems[3], /proxy_log: type \(i32,i32\)->\(i32\), Envoy registers \(i32,i32,i32\)->\(i32\)/);
    assert.equal(HOST_FUNCTIONS.proxy_increment_metric, "(i32,i64)->(i32)");
  });

  test("catch a missing marker, split allocators, mistyped or misnamed callbacks and a start section", () => {
    const sections: ModuleSections = {
      types: [],
      imports: [],
      functions: [
        { params: [], results: [] },
        { params: ["i32"], results: ["i32"] },
        { params: ["i32"], results: ["i32"] },
        { params: ["i32", "i32"], results: ["i32"] },
        { params: ["i32", "i32", "i32"], results: [] },
      ],
      exports: [
        { name: "proxy_abi_version_0_2_0", kind: "function", index: 0 },
        { name: "malloc", kind: "function", index: 1 },
        { name: "proxy_on_memory_allocate", kind: "function", index: 2 },
        { name: "proxy_on_request_headers", kind: "function", index: 3 },
        { name: "proxy_on_grpc_trailing_metadata", kind: "function", index: 4 },
        { name: "_start", kind: "function", index: 0 },
        { name: "memory", kind: "memory", index: 0 },
      ],
      hasStart: true,
      customSections: ["name"],
    };
    const problems = [...exportProblems(sections), ...layoutProblems(sections, "release")];
    assert.deepEqual(problems, [
      "export proxy_abi_version_0_2_0: not a callback Envoy knows (only proxy_abi_version_0_2_1)",
      "export proxy_on_request_headers: type (i32,i32)->(i32), Envoy wants (i32,i32,i32)->(i32)",
      "export proxy_on_grpc_trailing_metadata: not a callback Envoy knows",
      "export _start: not a callback Envoy knows",
      "missing function export proxy_abi_version_0_2_1",
      "missing function export _initialize",
      "malloc (function 1) and proxy_on_memory_allocate (function 2) differ",
      "has a start section (top-level code must run from _initialize)",
      "release build with a name section",
    ]);
  });

  test("wasm-validate rejects a broken module", () => {
    const dir = mkdtempSync(join(tmpdir(), "modules-test-"));
    try {
      const path = join(dir, "broken.wasm");
      // a function whose body returns nothing although its type promises an i32
      const bytes = Uint8Array.from([
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00,
        0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b,
      ]);
      writeFileSync(path, bytes);
      assert.match(validate(path), /^wasm-validate: /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("examples compiled with AssemblyScript 0.28", { timeout: 300_000 }, () => {
  const outDir = mkdtempSync(join(tmpdir(), "as028-"));
  const cli = join(root, "dist", "cli.js");
  after(() => rmSync(outDir, { recursive: true, force: true }));

  test("compile", { timeout: 240_000 }, () => {
    if (!existsSync(cli)) {
      const bundled = spawnSync("npm", ["run", "-s", "build:cli"], { cwd: root, encoding: "utf8" });
      assert.equal(bundled.status, 0, bundled.stderr);
    }
    const compiler = join(root, "node_modules", "assemblyscript-0.28");
    const built = spawnSync(process.execPath, [cli, "build", "--compiler", compiler, "--out-dir", outDir], {
      cwd: root,
      encoding: "utf8",
      timeout: 230_000,
    });
    assert.equal(built.status, 0, `failed to compile with 0.28:\n${built.stderr}${built.stdout}`);
    const expected = exampleNames().flatMap((name) => [`${name}.debug.wasm`, `${name}.debug.wasm.map`, `${name}.wasm`]).sort();
    assert.deepEqual(readdirSync(outDir).sort(), expected);
  });

  test("modules pass the same checks", () => {
    const files = wasmFiles(outDir);
    assert.ok(files.length > 0, "nothing was built");
    const problems = files.flatMap((path) => moduleProblems(path, sectionsOf(path)).map((p) => `${path.replace(outDir, "")}: ${p}`));
    assert.deepEqual(problems, []);
  });
});
