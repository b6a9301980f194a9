/**
 * What a filter named on the command line means, the same for every command: a file path as given; else
 * the project's own filter of that name (examples/<name>/ or filters/<name>/, built by `proxy-wasm build`
 * into build/<name>.wasm); else the example of that name that ships with this package, which says so on
 * stderr. `build` wants the sources (resolveEntry); `run`, `push` and `manifests` want the module
 * (resolveModule, resolveModuleName).
 */
import { existsSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { UsageError } from "../cli-errors.ts";
import { ENTRY_FOLDERS, type BuildEntry, type BuildTarget } from "./compile.ts";
import { packageExampleEntry, packageExampleModule } from "./package-examples.ts";

/** The default root id of a filter: its name with hyphens as underscores (`add-header` → `add_header`). */
export function rootIdFor(name: string): string {
  return name.replace(/-/g, "_");
}

/** The project's own filter `name`: examples/<name>/main.ts or filters/<name>/main.ts, if either exists. */
export function localFilterEntry(root: string, name: string): BuildEntry | null {
  for (const folder of ENTRY_FOLDERS) {
    const entry = join(root, folder, name, "main.ts");
    if (existsSync(entry)) return { name, entry };
  }
  return null;
}

/**
 * An entry named on the command line: a `main.ts` file, a folder holding one, a filter or example of the
 * project by name, or else an example that ships with this package.
 */
export function resolveEntry(root: string, spec: string): BuildEntry {
  const direct = resolve(root, spec);
  if (existsSync(direct)) {
    if (statSync(direct).isDirectory()) {
      const main = join(direct, "main.ts");
      if (existsSync(main)) return { name: basename(direct), entry: main };
    } else if (direct.endsWith(".ts")) {
      const name = basename(direct) === "main.ts" ? basename(dirname(direct)) : basename(direct, ".ts");
      return { name, entry: direct };
    }
  }
  const local = localFilterEntry(root, spec);
  if (local !== null) return local;
  const shipped = packageExampleEntry(spec, root);
  if (shipped !== null) return shipped;
  throw new UsageError(`no build entry found for ${JSON.stringify(spec)} (expected a main.ts, a folder holding one, or a filter or example name)`);
}

export interface ResolvedModule {
  /** Absolute path of the .wasm file. */
  path: string;
  /** The filter name: the name given, or the file's name without `.wasm` / `.debug.wasm`. */
  name: string;
}

function builtFile(name: string, target: BuildTarget): string {
  return target === "debug" ? `${name}.debug.wasm` : `${name}.wasm`;
}

/** The module of the filter `name`, or null when neither the project nor the package has one of that name. */
function moduleByName(name: string, cwd: string, target: BuildTarget): ResolvedModule | null {
  const file = builtFile(name, target);
  const built = join(cwd, "build", file);
  if (existsSync(built)) return { path: built, name };
  const local = localFilterEntry(cwd, name);
  if (local !== null) {
    const folder = basename(dirname(dirname(local.entry)));
    throw new UsageError(`${folder}/${name} is not built: build/${file} is missing (run \`proxy-wasm build ${name}${target === "debug" ? " --debug" : ""}\`)`);
  }
  const shipped = packageExampleModule(name, cwd, target);
  return shipped !== null ? { path: shipped, name } : null;
}

/**
 * The module of the filter `name` (a name, not a path): build/<name>.wasm (build/<name>.debug.wasm for the
 * debug target), else the package's example; a project filter that is not built, or a name nobody has, is
 * a usage error naming the fix.
 */
export function resolveModuleName(name: string, cwd: string, target: BuildTarget = "release"): ResolvedModule {
  const found = moduleByName(name, cwd, target);
  if (found === null) throw new UsageError(`"${name}" is neither a built filter (build/${builtFile(name, target)}) nor an example of this package`);
  return found;
}

/** A `.wasm` file as given (a path), or else the module of the filter of that name (resolveModuleName). */
export function resolveModule(spec: string, cwd: string, target: BuildTarget = "release"): ResolvedModule {
  const direct = resolve(cwd, spec);
  const looksLikePath = spec.endsWith(".wasm") || spec.includes("/") || spec.includes("\\");
  if (existsSync(direct)) {
    if (!statSync(direct).isDirectory()) return { path: direct, name: basename(direct).replace(/(\.debug)?\.wasm$/, "") };
    if (looksLikePath) throw new UsageError(`${spec} is a directory, not a .wasm file`);
  }
  if (looksLikePath) throw new UsageError(`cannot read ${spec}: no such file`);
  const found = moduleByName(spec, cwd, target);
  if (found === null) throw new UsageError(`"${spec}" is neither a .wasm file nor a built filter (build/${builtFile(spec, target)})`);
  return found;
}
