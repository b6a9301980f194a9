/**
 * The example filters that ship with this package, by name from any project: `proxy-wasm build add-header`
 * compiles node_modules/proxy-wasm-assemblyscript/examples/add-header, and `run` / `push` / `manifests`
 * with add-header use its prebuilt module (dist/examples/add-header.wasm, built when the package is packed),
 * when the project has no filter of that name itself. Each says so on stderr, so nobody wonders where the module came from.
 */
import { existsSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";
import { UsageError } from "../cli-errors.ts";
import { sdkPackageDir, SDK_PACKAGE } from "../sdk-package.ts";
import type { BuildEntry, BuildTarget } from "./compile.ts";

const EXAMPLE_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

interface PackageExample {
  name: string;
  /** examples/<name>/main.ts inside the package. */
  entry: string;
  /** The package's asconfig.json: examples build with the package's own settings. */
  config: string;
  /** dist/examples/<name>.wasm inside the package (the release module; present in a packed package). */
  module: string;
}

function packageExample(name: string): PackageExample | null {
  if (!EXAMPLE_NAME.test(name)) return null;
  const packageDir = sdkPackageDir();
  if (packageDir === null) return null;
  const entry = join(packageDir, "examples", name, "main.ts");
  if (!existsSync(entry)) return null;
  return { name, entry, config: join(packageDir, "asconfig.json"), module: join(packageDir, "dist", "examples", `${name}.wasm`) };
}

/** A path as the user reads it: relative to the working directory when below it, absolute otherwise. */
function shown(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}

function note(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** The build entry of the package's example `name` (compiled with the package's asconfig.json), or null. */
export function packageExampleEntry(name: string, cwd: string): BuildEntry | null {
  const example = packageExample(name);
  if (example === null) return null;
  note(`${name}: the example that ships with ${SDK_PACKAGE} (${shown(example.entry, cwd)})`);
  return { name, entry: example.entry, config: example.config };
}

/**
 * The prebuilt module of the package's example `name`, or null when the package has no such example.
 * An example without a prebuilt module (a checkout that was not packed) is a usage error naming the fix, and
 * so is the debug target: the package ships release modules only, and `proxy-wasm build <name> --debug`
 * compiles the debug one (with its source map) into the project's build/, where it is found next time.
 */
export function packageExampleModule(name: string, cwd: string, target: BuildTarget = "release"): string | null {
  const example = packageExample(name);
  if (example === null) return null;
  if (target === "debug") {
    const built = existsSync(example.module) ? `ships its example ${name} as a release module only` : `has the example ${name}, not built in this copy`;
    throw new UsageError(`--debug: ${SDK_PACKAGE} ${built}: run \`proxy-wasm build ${name} --debug\` (writes build/${name}.debug.wasm and its source map here)`);
  }
  if (!existsSync(example.module)) {
    throw new UsageError(`${name} is an example of ${SDK_PACKAGE}, not built in this copy: run \`proxy-wasm build ${name}\` (writes build/${name}.wasm here)`);
  }
  note(`${name}: the example that ships with ${SDK_PACKAGE} (${shown(example.module, cwd)})`);
  return example.module;
}
