// Compiles a small test-only filter against the SDK. `source` is a build entry in which import paths
// starting with "sdk" stand for the assembly/ folder, e.g. `import { Status } from "sdk/index"`.
// The module goes to a temporary folder that is removed when the test process exits.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { buildFilters } from "../../scripts/build/compile.ts";

const root = new URL("../..", import.meta.url).pathname;

export async function buildTestFilter(name: string, source: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `sdk-test-${name}-`));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  const entry = join(dir, "main.ts");
  const sdk = relative(dir, join(root, "assembly"));
  writeFileSync(entry, source.replace(/from "sdk(\/[^"]*)?"/g, (_, rest: string | undefined) => `from "${sdk}${rest ?? ""}"`));
  const [built] = await buildFilters({ root, entries: [{ name, entry }], targets: ["release"], outDir: dir });
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
