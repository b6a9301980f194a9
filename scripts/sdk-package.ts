/**
 * The running proxy-wasm-assemblyscript package: the folder it is in (its examples, asconfig.json and
 * AssemblyScript sources) and where it was installed from, which `proxy-wasm init` writes as a new project's
 * dependency: the same tarball, directory or git URL, or `^<version>` after an install from a registry.
 */
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const SDK_PACKAGE = "proxy-wasm-assemblyscript";

/** Lockfiles are read only up to this size (a project's package-lock.json stays far below). */
const LOCKFILE_MAX_BYTES = 32 * 1024 * 1024;

function readJson(path: string): unknown {
  try {
    if (!existsSync(path) || statSync(path).size > LOCKFILE_MAX_BYTES) return undefined;
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * The folder of the package this code runs from (dist/cli.js, or scripts/ in a checkout): the nearest
 * folder above `from` whose package.json names this package. Null when the code runs elsewhere (a test's
 * own bundle of the CLI).
 */
export function sdkPackageDir(from: string = fileURLToPath(import.meta.url)): string | null {
  let dir = dirname(from);
  for (;;) {
    const manifest = readJson(join(dir, "package.json")) as { name?: unknown } | undefined;
    if (manifest?.name === SDK_PACKAGE) return realpathSync(dir);
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/**
 * The dependency spec that installs this same package again. A folder that is not inside node_modules (a
 * git checkout, an unpacked tarball) is `file:<folder>`. Inside `<root>/node_modules`, npm's lockfiles say
 * what it was installed from (`resolved`, relative to `<root>` for file: specs): a tarball or folder gives
 * `file:<absolute path>`, a git URL is kept, a registry URL (or no record) gives `^<version>`.
 */
export function installedFromSpec(packageDir: string | null, version: string): string {
  const range = `^${version}`;
  if (packageDir === null) return range;
  const nodeModules = dirname(packageDir);
  if (basename(nodeModules) !== "node_modules") return `file:${packageDir}`;
  const installRoot = dirname(nodeModules);
  const lockfiles = [join(nodeModules, ".package-lock.json"), join(installRoot, "package-lock.json"), join(installRoot, "npm-shrinkwrap.json")];
  for (const lockfile of lockfiles) {
    const lock = readJson(lockfile) as { packages?: Record<string, { resolved?: unknown }> } | undefined;
    const resolved = lock?.packages?.[`node_modules/${SDK_PACKAGE}`]?.resolved;
    if (typeof resolved !== "string") continue;
    if (resolved.startsWith("file:")) {
      const path = resolve(installRoot, resolved.slice("file:".length));
      return existsSync(path) ? `file:${path}` : range;
    }
    if (/^git(\+[a-z]+)?:/.test(resolved)) return resolved;
    return range;
  }
  return range;
}
