/**
 * What a build of a filter reads that its author may edit, for `proxy-wasm run --watch` to rebuild on: the
 * filter's folder, every file outside it that the filter imports by relative path (its local import graph,
 * e.g. a module shared by several filters), the asconfig.json files it is compiled with (the one the build
 * names and each one it extends), and the SDK's sources when the SDK is a checkout (this repository, or a
 * project whose node_modules links to one) rather than a copy npm installed. Files under a node_modules
 * folder are not the author's to edit and are left out.
 */
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve, sep } from "node:path";
import { SDK_PACKAGE } from "../sdk-package.ts";
import type { BuildEntry } from "./compile.ts";

export interface BuildInputs {
  /** Folders whose every file is an input (watched recursively). */
  folders: string[];
  /** Single files. */
  files: string[];
}

/** An asconfig.json bigger than this is not followed (they are a few hundred bytes). */
const MAX_CONFIG_BYTES = 1024 * 1024;
/** A source file bigger than this is not searched for imports. */
const MAX_SOURCE_BYTES = 4 * 1024 * 1024;
/** How many source files the import graph is followed through at most. */
const MAX_SOURCES = 2000;
/** How many `extends` are followed at most. */
const MAX_EXTENDS = 8;

function installedCopy(path: string): boolean {
  return realpathSync(path).split(sep).includes("node_modules");
}

/** The asconfig.json files a build with `config` reads: it, then each `extends` (a path or a package's file). */
export function configChain(config: string): string[] {
  const chain: string[] = [];
  for (let file: string | null = config; file !== null && chain.length < MAX_EXTENDS && !chain.includes(file); ) {
    if (!existsSync(file) || statSync(file).size > MAX_CONFIG_BYTES) break;
    chain.push(file);
    let parent: unknown;
    try {
      parent = (JSON.parse(readFileSync(file, "utf8")) as { extends?: unknown }).extends;
    } catch {
      break; // the build itself reports a malformed asconfig.json
    }
    file = typeof parent === "string" ? resolveExtends(file, parent) : null;
  }
  return chain;
}

/** `<package>/<file>` where asc finds it: in the nearest node_modules folder from `dir` up that has it. */
function inNodeModules(dir: string, spec: string): string | null {
  for (let at = dir; ; at = dirname(at)) {
    const candidate = join(at, "node_modules", spec);
    if (existsSync(candidate)) return candidate;
    if (dirname(at) === at) return null;
  }
}

function resolveExtends(from: string, spec: string): string | null {
  if (isAbsolute(spec) || spec.startsWith(".")) return resolve(dirname(from), spec);
  return inNodeModules(dirname(from), spec);
}

function isSdkPackage(dir: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: unknown }).name === SDK_PACKAGE;
  } catch {
    return false;
  }
}

/** The SDK's folder when the project builds against a checkout of it (or is one); null for an installed copy. */
export function sdkCheckout(root: string): string | null {
  if (isSdkPackage(root)) return realpathSync(root);
  const packageJson = inNodeModules(root, join(SDK_PACKAGE, "package.json"));
  return packageJson === null || installedCopy(packageJson) ? null : realpathSync(dirname(packageJson));
}

/** `import … from "x"`, `export … from "x"`, `import "x"`: the module specifier. */
const IMPORT_SPECIFIER = /\b(?:from|import)\s*["']([^"'\n]+)["']/g;

/** Where asc finds a relative import of `spec` from `file`: `<spec>.ts`, else `<spec>/index.ts` (null: neither). */
function resolveImport(file: string, spec: string): string | null {
  const base = resolve(dirname(file), spec);
  for (const candidate of spec.endsWith(".ts") ? [base] : [`${base}.ts`, join(base, "index.ts")]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

/**
 * The source files a build of `entry` compiles that relative imports reach from it (it included), the way
 * asc resolves them; package imports (`proxy-wasm-assemblyscript`, `~lib/…`) and files under node_modules
 * are not followed. Read again after each rebuild: an edit may add or drop an import.
 */
export function localImportGraph(entry: string): string[] {
  const found = new Set<string>([entry]);
  const pending = [entry];
  while (pending.length > 0 && found.size <= MAX_SOURCES) {
    const file = pending.pop()!;
    let text: string;
    try {
      if (statSync(file).size > MAX_SOURCE_BYTES) continue;
      text = readFileSync(file, "utf8");
    } catch {
      continue; // the build reports a file it cannot read
    }
    for (const [, spec] of text.matchAll(IMPORT_SPECIFIER)) {
      if (!spec!.startsWith("./") && !spec!.startsWith("../")) continue;
      const target = resolveImport(file, spec!);
      if (target === null || found.has(target) || installedCopy(target)) continue;
      found.add(target);
      pending.push(target);
    }
  }
  return [...found];
}

function inside(folder: string, file: string): boolean {
  return file.startsWith(folder + sep);
}

export function buildInputs(root: string, entry: BuildEntry): BuildInputs {
  const folders = [dirname(entry.entry)];
  const files = configChain(entry.config ?? join(root, "asconfig.json")).filter((file) => !installedCopy(file));
  const sdk = sdkCheckout(root);
  if (sdk !== null) {
    folders.push(join(sdk, "assembly"));
    files.push(join(sdk, "index.ts"));
  }
  // Imported files outside the folders watched whole (a module shared with other filters, say).
  const watched = folders.map((folder) => realpathSync(folder));
  for (const source of localImportGraph(entry.entry)) {
    if (!watched.some((folder) => inside(folder, realpathSync(source)))) files.push(source);
  }
  return { folders: [...new Set(folders)], files: [...new Set(files)] };
}
