// Compiles a small test-only filter against the SDK. `source` is a build entry in which import paths
// starting with "sdk" stand for the assembly/ folder, e.g. `import { Status } from "sdk/index"`.
// The module goes to a temporary folder that is removed when the test process exits.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { buildFilters, type BuildOptions } from "../../scripts/build/compile.ts";

const root = new URL("../..", import.meta.url).pathname;

export async function buildTestFilter(name: string, source: string, options: Pick<BuildOptions, "runtime" | "compiler"> = {}): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `sdk-test-${name}-`));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  const entry = join(dir, "main.ts");
  const sdk = relative(dir, join(root, "assembly"));
  writeFileSync(entry, source.replace(/from "sdk(\/[^"]*)?"/g, (_, rest: string | undefined) => `from "${sdk}${rest ?? ""}"`));
  const [built] = await buildFilters({ root, entries: [{ name, entry }], targets: ["release"], outDir: dir, ...options });
  return built!.path;
}

/** The INFO messages `name=value` a test filter logged, as a map (a later message with the same name wins). */
export function results(logs: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of logs) {
    const at = line.indexOf("=");
    if (at > 0) map.set(line.slice(0, at), line.slice(at + 1));
  }
  return map;
}

/** Whether a module holds AssemblyScript's TLSF allocator (its file name is in the module's error texts). */
export function usesTlsf(wasm: string): boolean {
  const bytes = readFileSync(wasm);
  const text = bytes.toString("utf16le") + bytes.subarray(1).toString("utf16le");
  return text.includes("~lib/rt/tlsf");
}

/** Checks that the compiler in node_modules/<name> has its own runtime files (no build left the SDK's in). */
export async function assertLibraryFilesUntouched(name: string): Promise<void> {
  const dir = join(root, "node_modules", name);
  const asc = (await import(pathToFileURL(join(dir, "dist", "asc.js")).href)) as { default?: { libraryFiles: Record<string, string> } };
  const files = asc.default!.libraryFiles;
  assert.equal(files["rt/index-minimal"], readFileSync(join(dir, "std", "assembly", "rt", "index-minimal.ts"), "utf8"), `${name}: rt/index-minimal`);
  assert.equal("rt/proxy-wasm" in files, false, `${name}: rt/proxy-wasm`);
}
