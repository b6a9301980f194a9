// The anchor the bench and the tests compare against besides the floors (floors.ts), built into
// build/anchors/ (never committed): @solo-io/proxy-runtime 0.1.8's README add-header, built with its own
// AssemblyScript 0.14 (`--use abort=abort_proc_exit`, as its README says).

import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "build", "anchors");
const run = promisify(execFile);

/** The first ```ts block of proxy-runtime's README: its "Hello, World" add-header filter, verbatim. */
export function proxyRuntimeReadmeFilter(): string {
  const readme = readFileSync(join(ROOT, "node_modules", "@solo-io", "proxy-runtime", "README.md"), "utf8");
  const block = /```ts\n([\s\S]*?)```/.exec(readme);
  if (block === null) throw new Error("proxy-runtime's README has no ts code block");
  return block[1]!;
}

export const PROXY_RUNTIME_ROOT_ID = "add_header";

/**
 * Builds (once, cached by source) proxy-runtime's add-header; returns the .wasm path. Test files running at
 * the same time may both build it: each compiles in its own folder and renames the module into place.
 */
export async function buildProxyRuntimeAddHeader(): Promise<string> {
  const dir = join(OUT, "proxy-runtime-add-header");
  const source = join(dir, "index.ts");
  const wasm = join(dir, "add-header.wasm");
  const filter = proxyRuntimeReadmeFilter();
  await mkdir(dir, { recursive: true });
  const current = existsSync(source) ? await readFile(source, "utf8") : "";
  if (current === filter && existsSync(wasm) && (await stat(wasm)).size > 0) return wasm;
  const work = await mkdtemp(join(dir, "build-"));
  try {
    await writeFile(join(work, "index.ts"), filter);
    // An empty asconfig.json keeps asc 0.14 away from the repository's own (AssemblyScript 0.27) config.
    await writeFile(join(work, "asconfig.json"), "{}\n");
    const asc = join(ROOT, "node_modules", "assemblyscript-0.14", "bin", "asc");
    const args = ["index.ts", "-b", "add-header.wasm", "--baseDir", work, "--path", join(ROOT, "node_modules")];
    await run(process.execPath, [asc, ...args, "--use", "abort=abort_proc_exit", "--optimize"], {
      cwd: work,
      maxBuffer: 16 << 20,
    });
    await rename(join(work, "add-header.wasm"), wasm);
    await writeFile(source, filter);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return wasm;
}
