/**
 * Compiling filters with the AssemblyScript compiler (asc) from asconfig.json targets.
 * Each filter is a build entry (`<dir>/<name>/main.ts`) and becomes `build/<name>.wasm` (release)
 * and `build/<name>.debug.wasm` (debug, with a names section and a source map, `<name>.debug.wasm.map`).
 */
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { CliError, UsageError } from "../cli-errors.ts";
import { writeFileAtomically } from "../write-atomically.ts";
import { useSdkRuntime } from "./sdk-runtime.ts";
import { StaticBlockHeaders } from "./static-block-headers.ts";
import { UnusedCallbacks } from "./unused-callbacks.ts";

export type BuildTarget = "release" | "debug";

export interface BuildEntry {
  /** Output name: `<name>.wasm`. */
  name: string;
  /** Path of the build entry (the file that registers the root context and re-exports the ABI). */
  entry: string;
  /** Compiler settings (default: the project's asconfig.json); the package's examples bring their own. */
  config?: string;
}

export interface BuiltModule {
  name: string;
  target: BuildTarget;
  path: string;
  size: number;
}

export interface BuildOptions {
  /** Project root (where asconfig.json and the filter folders are). */
  root: string;
  entries: BuildEntry[];
  targets: BuildTarget[];
  outDir: string;
  /** Directory of an AssemblyScript package to compile with instead of the installed one. */
  compiler?: string;
  /**
   * "sdk" (default): the SDK's runtime (assembly/runtime.ts) behind `"runtime": "minimal"`;
   * "assemblyscript": AssemblyScript's own `minimal` runtime (TLSF + TCMS), e.g. to compare the two.
   */
  runtime?: "sdk" | "assemblyscript";
}

/** Folders searched for `<name>/main.ts` build entries when none are named. */
export const ENTRY_FOLDERS = ["examples", "filters"];

/** Every `<folder>/<name>/main.ts` under the project root, sorted by name. */
export function discoverEntries(root: string): BuildEntry[] {
  const entries: BuildEntry[] = [];
  for (const folder of ENTRY_FOLDERS) {
    const dir = join(root, folder);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const entry = join(dir, name, "main.ts");
      if (existsSync(entry)) entries.push({ name, entry });
    }
  }
  return entries;
}

interface AscModule {
  /** asc's built-in library sources by path under ~lib/ (rt/index-minimal, ...). */
  libraryFiles?: Record<string, string>;
  main(
    argv: string[],
    options?: { stdout?: unknown; stderr?: unknown; transforms?: unknown[]; writeFile?: (name: string, contents: Uint8Array | string, baseDir: string) => void },
  ): Promise<{ error: Error | null }>;
  createMemoryStream?(): { toString(): string };
}

async function loadCompiler(compilerDir?: string): Promise<AscModule> {
  if (compilerDir === undefined) {
    const asc = (await import("assemblyscript/asc")) as unknown as { default?: AscModule } & AscModule;
    return asc.default ?? asc;
  }
  const file = join(resolve(compilerDir), "dist", "asc.js");
  if (!existsSync(file)) throw new UsageError(`no AssemblyScript compiler at ${compilerDir} (missing dist/asc.js)`);
  const asc = (await import(pathToFileURL(file).href)) as { default?: AscModule } & AscModule;
  return asc.default ?? asc;
}

/** How asc's outputs are written: whole, so that a proxy, watcher or test reading build/ never sees half a module. */
function writeWhole(name: string, contents: Uint8Array | string, baseDir: string): void {
  const path = resolve(baseDir, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomically(path, contents);
}

function outputPath(outDir: string, name: string, target: BuildTarget): string {
  return join(outDir, target === "release" ? `${name}.wasm` : `${name}.debug.wasm`);
}

/** Compiles every entry for every target; throws a CliError with asc's diagnostics on failure. */
export async function buildFilters(options: BuildOptions): Promise<BuiltModule[]> {
  const asc = await loadCompiler(options.compiler);
  return exclusively(asc, async () => {
    const undoRuntime = options.runtime === "assemblyscript" ? null : useSdkRuntime(asc.libraryFiles, options.root);
    try {
      return await compileEntries(asc, options, undoRuntime !== null ? [UnusedCallbacks, StaticBlockHeaders] : [UnusedCallbacks]);
    } finally {
      undoRuntime?.();
    }
  });
}

/**
 * The builds in flight on each compiler module: the runtime swap changes the module's library files, so
 * one build runs at a time per module, and the next one starts from asc's own files.
 */
const busy = new WeakMap<AscModule, Promise<unknown>>();

function exclusively<T>(asc: AscModule, build: () => Promise<T>): Promise<T> {
  const before = busy.get(asc) ?? Promise.resolve();
  const result = before.catch(() => {}).then(build);
  busy.set(asc, result);
  return result;
}

/** `transforms`: asc's; StaticBlockHeaders only when the SDK's runtime is in place (AssemblyScript's reads those headers). */
async function compileEntries(asc: AscModule, options: BuildOptions, transforms: unknown[]): Promise<BuiltModule[]> {
  const projectConfig = join(options.root, "asconfig.json");
  if (options.entries.some((e) => e.config === undefined) && !existsSync(projectConfig)) throw new UsageError(`no asconfig.json in ${options.root}`);
  const built: BuiltModule[] = [];
  for (const { name, entry, config = projectConfig } of options.entries) {
    for (const target of options.targets) {
      const path = outputPath(options.outDir, name, target);
      const diagnostics: string[] = [];
      const stream = { write: (text: string | Uint8Array) => void diagnostics.push(String(text)) };
      const result = await asc.main(
        // The debug build also gets a source map (build/<name>.debug.wasm.map): trap reports name source lines.
        [relative(options.root, entry), "--config", config, "--target", target, "--outFile", path, ...(target === "debug" ? ["--sourceMap"] : [])],
        { stdout: stream, stderr: stream, transforms, writeFile: writeWhole },
      );
      if (result.error) {
        const details = diagnostics.join("").trim();
        throw new CliError(`${name} (${target}) failed to compile: ${result.error.message}${details ? `\n${details}` : ""}`);
      }
      built.push({ name, target, path, size: statSync(path).size });
    }
  }
  return built;
}
