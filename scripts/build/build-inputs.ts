/**
 * What a build of a filter reads that its author may edit, for `proxy-wasm run --watch` to rebuild on: the
 * filter's folder, the asconfig.json files it is compiled with (the one the build names and each one it
 * extends), and the SDK's sources when the SDK is a checkout (this repository, or a project whose
 * node_modules links to one) rather than a copy npm installed. Files under a node_modules folder are not
 * the author's to edit and are left out.
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

export function buildInputs(root: string, entry: BuildEntry): BuildInputs {
  const folders = [dirname(entry.entry)];
  const files = configChain(entry.config ?? join(root, "asconfig.json")).filter((file) => !installedCopy(file));
  const sdk = sdkCheckout(root);
  if (sdk !== null) {
    folders.push(join(sdk, "assembly"));
    files.push(join(sdk, "index.ts"));
  }
  return { folders: [...new Set(folders)], files: [...new Set(files)] };
}
