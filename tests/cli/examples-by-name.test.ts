// Examples by name outside the repository, with a copy of the package laid out as npm installs it (its
// package.json, asconfig.json, SDK sources, examples and the bundled CLI): without prebuilt modules, as in a
// checkout that was not packed, `build <example>` compiles the package's example in any directory, `run` /
// `push` / `manifests <example>` say how to get a module, and a name nobody has is one line, exit 2; with
// the release modules a packed package has, `manifests <example>` uses them (and says so) and `run --debug`
// says how to build the debug one, which it then runs. The packed package is tested end to end in
// tests/init/init.test.ts.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { build } from "esbuild";
import { cliBundleOptions } from "../../scripts/bundle-cli.mjs";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** A copy of the package in <tmp>/node_modules as npm installs it, with its bundled CLI; returns the CLI. */
async function installPackageCopy(tmp: string, prebuilt: boolean): Promise<string> {
  const sdk = join(tmp, "node_modules", "proxy-wasm-assemblyscript");
  mkdirSync(join(sdk, "examples"), { recursive: true });
  for (const part of ["package.json", "asconfig.json", "index.ts", "assembly", "examples/add-header"]) {
    cpSync(join(repoRoot, part), join(sdk, part), { recursive: true });
  }
  if (prebuilt) {
    const module = join(repoRoot, "build", "add-header.wasm");
    assert.ok(existsSync(module), "build/add-header.wasm is missing: run `npm run asbuild`");
    mkdirSync(join(sdk, "dist", "examples"), { recursive: true });
    copyFileSync(module, join(sdk, "dist", "examples", "add-header.wasm"));
  }
  symlinkSync(join(repoRoot, "node_modules", "assemblyscript"), join(tmp, "node_modules", "assemblyscript"));
  const cli = join(sdk, "dist", "cli.js");
  await build(cliBundleOptions(cli));
  return cli;
}

function runCli(cli: string, cwd: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: "utf8", timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("examples by name from a directory that has none", { timeout: 120_000 }, () => {
  let tmp: string;
  let cli: string;
  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), "proxy-wasm-by-name-"));
    cli = await installPackageCopy(tmp, false);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  const proxyWasm = (cwd: string, ...args: string[]) => runCli(cli, cwd, ...args);

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

  test("run, push and manifests of an example this copy has no module for: one line naming the fix, exit 2, nothing sent", () => {
    const dir = emptyDir("no-modules");
    const line = "error: add-header is an example of proxy-wasm-assemblyscript, not built in this copy: run `proxy-wasm build add-header` (writes build/add-header.wasm here)\n";
    assert.deepEqual(proxyWasm(dir, "run", "add-header", "--upstream", "http://127.0.0.1:9"), { code: 2, stdout: "", stderr: line });
    assert.deepEqual(proxyWasm(dir, "push", "add-header", "127.0.0.1:9/x/y:v1"), { code: 2, stdout: "", stderr: line });
    assert.deepEqual(proxyWasm(dir, "manifests", "wasmplugin", "add-header", "-l", "app=web"), { code: 2, stdout: "", stderr: line });
    assert.deepEqual(proxyWasm(dir, "run", "add-header", "--debug", "--upstream", "http://127.0.0.1:9"), {
      code: 2,
      stdout: "",
      stderr:
        "error: --debug: proxy-wasm-assemblyscript has the example add-header, not built in this copy: run `proxy-wasm build add-header --debug` (writes build/add-header.debug.wasm and its source map here)\n",
    });
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

describe("examples by name with the release modules a packed package ships", { timeout: 120_000 }, () => {
  let tmp: string;
  let cli: string;
  let project: string;
  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), "proxy-wasm-by-name-packed-"));
    cli = await installPackageCopy(tmp, true);
    project = join(tmp, "project");
    mkdirSync(project);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  const shipped = () => join(tmp, "node_modules", "proxy-wasm-assemblyscript", "dist", "examples", "add-header.wasm");

  test("manifests <example> deploys the package's module when the project has none of that name, and says so", () => {
    const result = runCli(cli, project, "manifests", "wasmplugin", "add-header", "-l", "app=web", "--json");
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, `add-header: the example that ships with proxy-wasm-assemblyscript (${shipped()})\n`);
    const plugin = (JSON.parse(result.stdout) as { documents: Array<{ kind: string; spec: { sha256?: string; pluginName?: string } }> }).documents.find((d) => d.kind === "WasmPlugin")!;
    assert.equal(plugin.spec.sha256, createHash("sha256").update(readFileSync(shipped())).digest("hex"));
    assert.equal(plugin.spec.pluginName, "add_header");
  });

  test("run --debug of the package's example says the package ships release modules and how to build the debug one; then runs that", async () => {
    const refused = runCli(cli, project, "run", "add-header", "--debug", "--upstream", "http://127.0.0.1:9");
    assert.deepEqual(refused, {
      code: 2,
      stdout: "",
      stderr:
        "error: --debug: proxy-wasm-assemblyscript ships its example add-header as a release module only: run `proxy-wasm build add-header --debug` (writes build/add-header.debug.wasm and its source map here)\n",
    });
    const built = runCli(cli, project, "build", "add-header", "--debug");
    assert.equal(built.code, 0, built.stderr);
    assert.ok(existsSync(join(project, "build", "add-header.debug.wasm.map")));
    const child = spawn(process.execPath, [cli, "run", "add-header", "--debug", "--upstream", "http://127.0.0.1:9", "--listen", "127.0.0.1:0"], { cwd: project });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "listening on" within 15 s: ${stderr}`)), 15_000);
        child.stdout.on("data", (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes("listening on ")) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.on("exit", () => reject(new Error(`run exited: ${stderr}`)));
      });
    } finally {
      child.kill("SIGTERM");
    }
    assert.equal(await exited, 0, stderr);
    assert.match(stderr, /^\[proxy\] add-header \(root id add_header\) → http:\/\/127\.0\.0\.1:9\/$/m);
    assert.doesNotMatch(stderr, /ships with/, "the project's own debug build, not the package's module");
  });
});
