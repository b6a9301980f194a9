/**
 * `proxy-wasm init <dir>`: writes a new filter project. Refuses a non-empty directory (unless `force`, which
 * overwrites only the files it writes), names the filter after the directory unless told otherwise, and
 * makes the project depend on this package: a version range by default, or `--sdk <path|tarball|spec>`.
 */
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { UsageError } from "../cli-errors.ts";
import { projectFiles, type ProjectSpec } from "./templates.ts";

export interface ScaffoldOptions {
  dir: string;
  /** Filter name (default: the directory's name, made a valid name). */
  name?: string;
  /** This package as a dependency: a path/tarball (→ file:<absolute path>) or any npm spec. */
  sdk?: string;
  /** Write into a non-empty directory, overwriting the scaffold's own files. */
  force?: boolean;
  /** The running package's version, for the default `^<version>` range. */
  version: string;
  cwd?: string;
}

export interface ScaffoldResult {
  dir: string;
  spec: ProjectSpec;
  files: string[];
}

const FILTER_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** "My Filter_2" → "my-filter-2"; a name must start with a letter (it becomes a root id and a header). */
export function filterNameFrom(text: string): string {
  const name = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return /^[a-z]/.test(name) ? name : `filter-${name || "1"}`.replace(/-+$/, "");
}

/** The dependency spec for this package: local paths become file: specs (absolute), the rest is kept. */
export function sdkSpecFrom(sdk: string | undefined, version: string, cwd: string): string {
  if (sdk === undefined) return `^${version}`;
  if (sdk.startsWith("file:")) {
    const path = sdk.slice("file:".length);
    return `file:${isAbsolute(path) ? path : resolve(cwd, path)}`;
  }
  const looksLocal = sdk.startsWith(".") || sdk.startsWith("/") || sdk.endsWith(".tgz") || sdk.endsWith(".tar.gz");
  if (looksLocal || existsSync(resolve(cwd, sdk))) {
    const path = resolve(cwd, sdk);
    if (!existsSync(path)) throw new UsageError(`--sdk: ${sdk}: no such file or directory`);
    return `file:${path}`;
  }
  return sdk;
}

export function scaffold(options: ScaffoldOptions): ScaffoldResult {
  const cwd = options.cwd ?? process.cwd();
  const dir = resolve(cwd, options.dir);
  const filter = options.name ?? filterNameFrom(basename(dir));
  if (!FILTER_NAME.test(filter)) {
    throw new UsageError(`--name: "${filter}" is not a filter name (lower-case letters, digits and single hyphens, starting with a letter)`);
  }
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new UsageError(`${options.dir} exists and is not a directory`);
    if (readdirSync(dir).length > 0 && !options.force) {
      throw new UsageError(`${options.dir} is not empty (use --force to write the project files into it anyway)`);
    }
  }
  const spec: ProjectSpec = {
    packageName: filter,
    filter,
    rootId: filter.replace(/-/g, "_"),
    sdkSpec: sdkSpecFrom(options.sdk, options.version, cwd),
  };
  const files: string[] = [];
  for (const [relativePath, content] of projectFiles(spec)) {
    const path = join(dir, relativePath);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    files.push(relativePath);
  }
  return { dir, spec, files };
}
