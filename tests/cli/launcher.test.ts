// bin/proxy-wasm.mjs, the `proxy-wasm` command: in a source checkout it builds dist/cli.js when missing or
// older than the sources (so `npx proxy-wasm` works on a fresh clone after `npm ci`); without esbuild, or
// in a package that lacks its bundle, it says so in one line, never a stack trace.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const version = (await import("../../package.json", { with: { type: "json" } })).default.version;

/** A copy of what the launcher and the bundler need from a checkout: bin/, scripts/, package.json. */
function checkout(dir: string, withNodeModules: boolean): string {
  mkdirSync(dir);
  for (const part of ["bin", "scripts", "package.json"]) cpSync(join(repoRoot, part), join(dir, part), { recursive: true });
  if (withNodeModules) symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"));
  return dir;
}

function launch(dir: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [join(dir, "bin", "proxy-wasm.mjs"), ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("bin/proxy-wasm.mjs", () => {
  let tmp: string;
  before(() => (tmp = mkdtempSync(join(tmpdir(), "proxy-wasm-launcher-"))));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test("a checkout without dist/ builds the CLI on first use, and again only when a source is newer", () => {
    const dir = checkout(join(tmp, "fresh-clone"), true);
    assert.deepEqual(launch(dir, "--version"), { code: 0, stdout: `${version}\n`, stderr: "" });
    const cli = join(dir, "dist", "cli.js");
    const built = statSync(cli).mtimeMs;
    assert.equal(launch(dir, "-v").code, 0);
    assert.equal(statSync(cli).mtimeMs, built, "not rebuilt when nothing changed");
    const later = new Date(built + 60_000);
    utimesSync(join(dir, "scripts", "cli.ts"), later, later);
    assert.equal(launch(dir, "-v").code, 0);
    assert.ok(statSync(cli).mtimeMs > built, "rebuilt after a source changed");
  });

  test("a checkout without its devDependencies: one line, exit 1", () => {
    const dir = checkout(join(tmp, "no-deps"), false);
    assert.deepEqual(launch(dir, "--version"), { code: 1, stdout: "", stderr: "error: cannot build dist/cli.js: esbuild is not installed (run npm ci)\n" });
    assert.ok(!existsSync(join(dir, "dist")));
  });

  test("an installed package without dist/cli.js: one line, exit 1", () => {
    const dir = join(tmp, "installed");
    mkdirSync(dir);
    cpSync(join(repoRoot, "bin"), join(dir, "bin"), { recursive: true });
    const result = launch(dir, "--version");
    assert.equal(result.code, 1);
    assert.equal(result.stdout, "");
    assert.equal(result.stderr, `error: ${join(dir, "dist", "cli.js")} is missing: this copy of proxy-wasm-assemblyscript was packed without its CLI bundle\n`);
  });
});
