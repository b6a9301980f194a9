/**
 * The SDK's AssemblyScript runtime (assembly/runtime.ts: size-class allocator + mark & sweep collector
 * run by the SDK between callbacks) takes the place of AssemblyScript's `minimal` runtime when
 * `proxy-wasm build` compiles. asc only treats its built-in runtime names as collector-driven-by-hand
 * (a runtime given as a path gets the shadow stack of the incremental one), so the driver swaps the
 * library file behind `"runtime": "minimal"`. Without the SDK's file (a compiler used elsewhere) the
 * build keeps AssemblyScript's own `minimal` runtime, which works the same, only slower and larger.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE = "proxy-wasm-assemblyscript";
const RUNTIME = join("assembly", "runtime.ts");
/** asc's library file of the `minimal` runtime, and the name the SDK's runtime gets beside it. */
const MINIMAL = "rt/index-minimal";
const SDK_RUNTIME = "rt/proxy-wasm";

/** The SDK's runtime for a project: from the installed package, the repository itself, or the package this code is part of. */
export function sdkRuntimePath(projectRoot: string): string | null {
  const roots = [join(projectRoot, "node_modules", PACKAGE), projectRoot];
  if (import.meta.url.startsWith("file:")) {
    const here = fileURLToPath(import.meta.url);
    roots.push(join(here, "..", ".."), join(here, "..", "..", "..")); // dist/cli.js or scripts/build/*.ts
  }
  for (const root of roots) {
    const path = join(root, RUNTIME);
    if (existsSync(path) && isSdkPackage(root)) return path;
  }
  return null;
}

function isSdkPackage(root: string): boolean {
  try {
    return JSON.parse(readFileSync(join(root, "package.json"), "utf8")).name === PACKAGE;
  } catch {
    return false;
  }
}

/**
 * Puts the SDK's runtime in place of asc's `minimal` one for one build; returns what undoes it (asc's
 * library files are one object per compiler module, shared by every later compile in the process), or
 * null when either runtime is missing. The runtime becomes ~lib/rt/proxy-wasm, imported by the runtime
 * entry (whose exports would be the module's).
 */
export function useSdkRuntime(libraryFiles: Record<string, string> | undefined, projectRoot: string): (() => void) | null {
  const path = sdkRuntimePath(projectRoot);
  if (libraryFiles === undefined || path === null || !(MINIMAL in libraryFiles)) return null;
  const minimal = libraryFiles[MINIMAL]!;
  libraryFiles[SDK_RUNTIME] = readFileSync(path, "utf8");
  libraryFiles[MINIMAL] = 'import "./proxy-wasm";\n';
  return () => {
    libraryFiles[MINIMAL] = minimal;
    delete libraryFiles[SDK_RUNTIME];
  };
}
