// The anchor the bench and the tests compare against besides the floors (floors.ts), built into
// build/anchors/ (never committed): @solo-io/proxy-runtime 0.1.8's README add-header, built with its own
// AssemblyScript 0.14 (`--use abort=abort_proc_exit`, as its README says).

import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "build", "anchors");
const run = promisify(execFile);

/** proxy-runtime's README "Hello, World" filter, verbatim apart from this comment. */
const PROXY_RUNTIME_ADD_HEADER = `export * from "@solo-io/proxy-runtime/proxy"; // this exports the required functions for the proxy to interact with us.
import { RootContext, Context, registerRootContext, FilterHeadersStatusValues, stream_context } from "@solo-io/proxy-runtime";

class AddHeaderRoot extends RootContext {
  createContext(context_id: u32): Context {
    return new AddHeader(context_id, this);
  }
}

class AddHeader extends Context {
  constructor(context_id: u32, root_context: AddHeaderRoot) {
    super(context_id, root_context);
  }
  onResponseHeaders(a: u32, end_of_stream: bool): FilterHeadersStatusValues {
    const root_context = this.root_context;
    if (root_context.getConfiguration() == "") {
      stream_context.headers.response.add("hello", "world!");
    } else {
      stream_context.headers.response.add("hello", root_context.getConfiguration());
    }
    return FilterHeadersStatusValues.Continue;
  }
}

registerRootContext((context_id: u32) => { return new AddHeaderRoot(context_id); }, "add_header");
`;

export const PROXY_RUNTIME_ROOT_ID = "add_header";

/** Builds (once, cached by source) proxy-runtime's add-header; returns the .wasm path. */
export async function buildProxyRuntimeAddHeader(): Promise<string> {
  const dir = join(OUT, "proxy-runtime-add-header");
  const source = join(dir, "index.ts");
  const wasm = join(dir, "add-header.wasm");
  await mkdir(dir, { recursive: true });
  const current = existsSync(source) ? await readFile(source, "utf8") : "";
  if (current === PROXY_RUNTIME_ADD_HEADER && existsSync(wasm) && (await stat(wasm)).size > 0) return wasm;
  await writeFile(source, PROXY_RUNTIME_ADD_HEADER);
  // An empty asconfig.json keeps asc 0.14 away from the repository's own (AssemblyScript 0.27) config.
  await writeFile(join(dir, "asconfig.json"), "{}\n");
  const asc = join(ROOT, "node_modules", "assemblyscript-0.14", "bin", "asc");
  const args = ["index.ts", "-b", "add-header.wasm", "--baseDir", dir, "--path", join(ROOT, "node_modules")];
  await run(process.execPath, [asc, ...args, "--use", "abort=abort_proc_exit", "--optimize"], {
    cwd: dir,
    maxBuffer: 16 << 20,
  });
  return wasm;
}
