// Where the running package was installed from, as `proxy-wasm init` writes it into a new project: npm's
// own lockfile layouts (npx cache, project install), written here as npm writes them.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { installedFromSpec, sdkPackageDir, SDK_PACKAGE } from "../../scripts/sdk-package.ts";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

describe("installedFromSpec", () => {
  let tmp: string;
  before(() => (tmp = mkdtempSync(join(tmpdir(), "proxy-wasm-installed-"))));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  /** `<tmp>/<name>/node_modules/proxy-wasm-assemblyscript`, with a hidden lockfile recording `resolved`. */
  function installed(name: string, resolved: string | undefined, lockfile = "node_modules/.package-lock.json"): string {
    const root = join(tmp, name);
    const packageDir = join(root, "node_modules", SDK_PACKAGE);
    mkdirSync(packageDir, { recursive: true });
    writeFileSync(join(packageDir, "package.json"), JSON.stringify({ name: SDK_PACKAGE, version: "0.1.0" }));
    const entry = resolved === undefined ? { version: "0.1.0" } : { version: "0.1.0", resolved };
    writeFileSync(join(root, lockfile), JSON.stringify({ lockfileVersion: 3, packages: { [`node_modules/${SDK_PACKAGE}`]: entry } }));
    return packageDir;
  }

  test("a checkout or unpacked folder (not in node_modules) is file:<folder>", () => {
    assert.equal(sdkPackageDir(), repoRoot.replace(/\/$/, ""));
    assert.equal(installedFromSpec(repoRoot.replace(/\/$/, ""), "0.1.0"), `file:${repoRoot.replace(/\/$/, "")}`);
  });

  test("a tarball install (npx --package x.tgz, npm install x.tgz) is file:<absolute tarball path>", () => {
    const tarball = join(tmp, "sdk-0.1.0.tgz");
    writeFileSync(tarball, "");
    assert.equal(installedFromSpec(installed("npx-cache", "file:../sdk-0.1.0.tgz"), "0.1.0"), `file:${tarball}`);
    assert.equal(installedFromSpec(installed("project", "file:../sdk-0.1.0.tgz", "package-lock.json"), "0.1.0"), `file:${tarball}`);
  });

  test("a registry install, an unknown origin or a tarball that is gone is ^<version>; a git URL is kept", () => {
    const registry = `https://registry.npmjs.org/${SDK_PACKAGE}/-/${SDK_PACKAGE}-0.1.0.tgz`;
    assert.equal(installedFromSpec(installed("registry", registry), "0.1.0"), "^0.1.0");
    assert.equal(installedFromSpec(installed("no-record", undefined), "0.1.0"), "^0.1.0");
    assert.equal(installedFromSpec(installed("gone", "file:../missing.tgz"), "0.1.0"), "^0.1.0");
    const git = "git+ssh://git@github.com/acme/proxy-wasm-assemblyscript.git#0123456789abcdef0123456789abcdef01234567";
    assert.equal(installedFromSpec(installed("git", git), "0.1.0"), git);
    assert.equal(installedFromSpec(null, "2.0.0"), "^2.0.0", "a CLI bundled outside the package");
  });
});
