// What `run --watch` rebuilds on (scripts/build/build-inputs.ts): the filter's folder, the asconfig.json
// files the build reads (following `extends`, to a path or into a package), and the SDK's sources only when
// the SDK is a checkout, never a copy npm installed under node_modules; and the files outside the filter's
// folder that it imports by relative path, as asc resolves them.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { buildInputs, configChain, localImportGraph, sdkCheckout } from "../../scripts/build/build-inputs.ts";

const repoRoot = realpathSync(fileURLToPath(new URL("../../", import.meta.url)));

/** A folder laid out like the SDK package: package.json (name, exports), asconfig.json, index.ts, assembly/. */
function writeSdk(dir: string): void {
  mkdirSync(join(dir, "assembly"), { recursive: true });
  const exports = { ".": "./index.ts", "./asconfig.json": "./asconfig.json", "./package.json": "./package.json" };
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "proxy-wasm-assemblyscript", exports }));
  writeFileSync(join(dir, "asconfig.json"), JSON.stringify({ options: { runtime: "minimal" } }));
  writeFileSync(join(dir, "index.ts"), "");
}

/** A user project: asconfig.json extending the SDK's, and filters/<name>/main.ts. */
function writeProject(dir: string, name: string): { name: string; entry: string } {
  mkdirSync(join(dir, "filters", name), { recursive: true });
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "my-project" }));
  writeFileSync(join(dir, "asconfig.json"), JSON.stringify({ extends: "proxy-wasm-assemblyscript/asconfig.json" }));
  writeFileSync(join(dir, "filters", name, "main.ts"), "");
  return { name, entry: join(dir, "filters", name, "main.ts") };
}

describe("build inputs", () => {
  let tmp: string;
  before(() => {
    tmp = realpathSync(mkdtempSync(join(tmpdir(), "proxy-wasm-inputs-")));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test("in this repository: the example's folder, asconfig.json, and the SDK's assembly/ and index.ts", () => {
    const entry = { name: "add-header", entry: join(repoRoot, "examples", "add-header", "main.ts") };
    assert.deepEqual(buildInputs(repoRoot, entry), {
      folders: [join(repoRoot, "examples", "add-header"), join(repoRoot, "assembly")],
      files: [join(repoRoot, "asconfig.json"), join(repoRoot, "index.ts")],
    });
  });

  test("a project whose SDK npm installed: its folder and its own asconfig.json, nothing under node_modules", () => {
    const project = join(tmp, "installed");
    const entry = writeProject(project, "mine");
    writeSdk(join(project, "node_modules", "proxy-wasm-assemblyscript"));
    assert.equal(sdkCheckout(project), null);
    assert.deepEqual(configChain(join(project, "asconfig.json")), [join(project, "asconfig.json"), join(project, "node_modules", "proxy-wasm-assemblyscript", "asconfig.json")]);
    assert.deepEqual(buildInputs(project, entry), { folders: [join(project, "filters", "mine")], files: [join(project, "asconfig.json")] });
  });

  test("a project linked to an SDK checkout: also the checkout's asconfig.json, assembly/ and index.ts", () => {
    const checkout = join(tmp, "sdk-checkout");
    writeSdk(checkout);
    const project = join(tmp, "linked");
    const entry = writeProject(project, "mine");
    symlinkSync(checkout, join(project, "node_modules", "proxy-wasm-assemblyscript"));
    assert.equal(sdkCheckout(project), checkout);
    const inputs = buildInputs(project, entry);
    assert.deepEqual(inputs.folders, [join(project, "filters", "mine"), join(checkout, "assembly")]);
    assert.deepEqual(inputs.files.slice(2), [join(checkout, "index.ts")]);
    assert.deepEqual(inputs.files.slice(0, 2).map((file) => realpathSync(file)), [join(project, "asconfig.json"), join(checkout, "asconfig.json")]);
  });

  test("extends by relative path is followed; a loop, a missing file or a malformed config ends the chain", () => {
    const dir = join(tmp, "chain");
    mkdirSync(join(dir, "base"), { recursive: true });
    writeFileSync(join(dir, "asconfig.json"), JSON.stringify({ extends: "./base/asconfig.json" }));
    writeFileSync(join(dir, "base", "asconfig.json"), JSON.stringify({ extends: "../asconfig.json" }));
    assert.deepEqual(configChain(join(dir, "asconfig.json")), [join(dir, "asconfig.json"), join(dir, "base", "asconfig.json")]);
    writeFileSync(join(dir, "base", "asconfig.json"), JSON.stringify({ extends: "./missing.json" }));
    assert.deepEqual(configChain(join(dir, "asconfig.json")), [join(dir, "asconfig.json"), join(dir, "base", "asconfig.json")]);
    writeFileSync(join(dir, "base", "asconfig.json"), "{ not json");
    assert.deepEqual(configChain(join(dir, "asconfig.json")), [join(dir, "asconfig.json"), join(dir, "base", "asconfig.json")]);
    assert.equal(sdkCheckout(dir), null, "no SDK at all");
  });

  test("the local import graph: siblings, a shared module in a parent folder, index.ts folders; never node_modules", () => {
    const project = join(tmp, "graph");
    const entry = writeProject(project, "mine");
    const folder = join(project, "filters", "mine");
    mkdirSync(join(project, "filters", "common", "text"), { recursive: true });
    mkdirSync(join(project, "node_modules", "helper"), { recursive: true });
    writeFileSync(
      entry.entry,
      [
        `export * from "proxy-wasm-assemblyscript/assembly/abi/http-filter-exports";`,
        `import { replace } from "./replace";`,
        `import "../common/side-effect";`,
        `// import { gone } from "./commented-out-but-missing";`,
        `import { helper } from "../../node_modules/helper/index";`,
      ].join("\n"),
    );
    writeFileSync(join(folder, "replace.ts"), `export { upper } from "../common/text";\nexport function replace(): void {}\n`);
    writeFileSync(join(project, "filters", "common", "side-effect.ts"), `import { replace } from "../mine/replace"; // a cycle\n`);
    writeFileSync(join(project, "filters", "common", "text", "index.ts"), `export function upper(): void {}\n`);
    writeFileSync(join(project, "node_modules", "helper", "index.ts"), `export function helper(): void {}\n`);

    assert.deepEqual(new Set(localImportGraph(entry.entry)), new Set([
      entry.entry,
      join(folder, "replace.ts"),
      join(project, "filters", "common", "side-effect.ts"),
      join(project, "filters", "common", "text", "index.ts"),
    ]));
    // The folder is watched whole; only what lies outside it is added, once.
    assert.deepEqual(buildInputs(project, entry), {
      folders: [folder],
      files: [join(project, "asconfig.json"), join(project, "filters", "common", "side-effect.ts"), join(project, "filters", "common", "text", "index.ts")],
    });
  });
});
