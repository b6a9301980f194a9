// Examples by name outside the repository, with a copy of the package laid out as npm installs it (its
// package.json, asconfig.json, SDK sources, examples and the bundled CLI; no prebuilt modules, as in a
// checkout that was not packed): `build <example>` compiles the package's example in any directory, `run` /
// `push <example>` without a prebuilt module say how to get one, and a name nobody has is one line, exit 2.
// The packed package with prebuilt modules is tested end to end in tests/init/init.test.ts.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { build } from "esbuild";
import { cliBundleOptions } from "../../scripts/bundle-cli.mjs";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

describe("examples by name from a directory that has none", { timeout: 120_000 }, () => {
  let tmp: string;
  let cli: string;
  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), "proxy-wasm-by-name-"));
    const sdk = join(tmp, "node_modules", "proxy-wasm-assemblyscript");
    mkdirSync(join(sdk, "examples"), { recursive: true });
    for (const part of ["package.json", "asconfig.json", "index.ts", "assembly", "examples/add-header"]) {
      cpSync(join(repoRoot, part), join(sdk, part), { recursive: true });
    }
    symlinkSync(join(repoRoot, "node_modules", "assemblyscript"), join(tmp, "node_modules", "assemblyscript"));
    cli = join(sdk, "dist", "cli.js");
    await build(cliBundleOptions(cli));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  function proxyWasm(cwd: string, ...args: string[]) {
    const result = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: "utf8", timeout: 60_000 });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  function emptyDir(name: string): string {
    const dir = join(tmp, name);
    mkdirSync(dir);
    return dir;
  }

  test("build add-header compiles the package's example with the package's settings, even without an asconfig.json here", () => {
    const dir = emptyDir("anywhere");
    const result = proxyWasm(dir, "build", "add-header", "--target", "release");
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, `add-header: the example that ships with proxy-wasm-assemblyscript (${join(tmp, "node_modules", "proxy-wasm-assemblyscript", "examples", "add-header", "main.ts")})\n`);
    assert.match(result.stdout, /^build\/add-header\.wasm +[\d,]+ bytes$/m);
    assert.ok(existsSync(join(dir, "build", "add-header.wasm")));
  });

  test("run and push of an example this copy has no module for: one line naming the fix, exit 2, nothing sent", () => {
    const dir = emptyDir("no-modules");
    const line = "error: add-header is an example of proxy-wasm-assemblyscript, not built in this copy: run `proxy-wasm build add-header` (writes build/add-header.wasm here)\n";
    assert.deepEqual(proxyWasm(dir, "run", "add-header", "--upstream", "http://127.0.0.1:9"), { code: 2, stdout: "", stderr: line });
    assert.deepEqual(proxyWasm(dir, "push", "add-header", "127.0.0.1:9/x/y:v1"), { code: 2, stdout: "", stderr: line });
  });

  test("a name that is neither the project's nor the package's: one line, exit 2", () => {
    const dir = emptyDir("unknown-name");
    assert.deepEqual(proxyWasm(dir, "build", "no-such-filter"), {
      code: 2,
      stdout: "",
      stderr: 'error: no build entry found for "no-such-filter" (expected a main.ts, a folder holding one, or a filter or example name)\n',
    });
  });
});
