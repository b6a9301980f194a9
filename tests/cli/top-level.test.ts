// The CLI's own words, as a user runs it (the esbuild bundle in a child process): --version / -v, help
// <command> = <command> --help, unknown commands and help topics are one line and exit 2, and so are
// init's refusals.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { build } from "esbuild";
import { cliBundleOptions } from "../../scripts/bundle-cli.mjs";

const version = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

describe("proxy-wasm: version, help, unknown commands", () => {
  let dir: string;
  let cli: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "proxy-wasm-cli-"));
    cli = join(dir, "cli.js");
    await build(cliBundleOptions(cli));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function proxyWasm(...args: string[]) {
    const result = spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: "utf8", timeout: 30_000 });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  test("--version and -v print the package version alone", () => {
    for (const flag of ["--version", "-v"]) {
      assert.deepEqual(proxyWasm(flag), { code: 0, stdout: `${version}\n`, stderr: "" }, flag);
    }
  });

  test("help <command> prints what <command> --help prints; help alone is the overview", () => {
    for (const command of ["init", "build", "run", "push", "pull", "inspect", "manifests"]) {
      const viaHelp = proxyWasm("help", command);
      assert.equal(viaHelp.code, 0);
      assert.match(viaHelp.stdout, new RegExp(`^Usage: proxy-wasm ${command}\\b`));
      assert.deepEqual(viaHelp, proxyWasm(command, "--help"), command);
    }
    const overview = proxyWasm("help");
    assert.deepEqual(overview, proxyWasm("--help"));
    assert.match(overview.stdout, /proxy-wasm help <command>/);
    assert.match(overview.stdout, /proxy-wasm --version/);
  });

  test("an unknown command or help topic is one line and exit 2", () => {
    assert.deepEqual(proxyWasm("deploy"), { code: 2, stdout: "", stderr: 'error: unknown command "deploy" (try --help)\n' });
    assert.deepEqual(proxyWasm("help", "deploy"), { code: 2, stdout: "", stderr: 'error: unknown command "deploy" (try --help)\n' });
    assert.deepEqual(proxyWasm("bad\u001b[31m"), { code: 2, stdout: "", stderr: 'error: unknown command "bad\\u001b[31m" (try --help)\n' });
  });

  test("init refuses in one line, exit 2, writing nothing: no directory, a missing --sdk, a non-empty directory, a bad name", () => {
    const usage = (stderr: string) => ({ code: 2, stdout: "", stderr: `error: ${stderr}\n` });
    assert.deepEqual(proxyWasm("init"), usage("name the project directory: proxy-wasm init <dir>"));
    assert.deepEqual(proxyWasm("init", "a", "b"), usage("one directory only, got a b"));
    assert.deepEqual(proxyWasm("init", "fresh", "--sdk", "./missing.tgz"), usage("--sdk: ./missing.tgz: no such file or directory"));
    assert.deepEqual(proxyWasm("init", "fresh", "--name", "Bad Name"), usage('--name: "Bad Name" is not a filter name (lower-case letters, digits and single hyphens, starting with a letter)'));
    assert.ok(!existsSync(join(dir, "fresh")), "nothing written");
    mkdirSync(join(dir, "busy"));
    writeFileSync(join(dir, "busy", "notes.txt"), "keep");
    assert.deepEqual(proxyWasm("init", "busy"), usage("busy is not empty (use --force to write the project files into it anyway)"));
  });
});
