import { parseArgs } from "node:util";
import { relative, resolve } from "node:path";
import { UsageError } from "../cli-errors.ts";
import { buildFilters, discoverEntries, resolveEntry, type BuildTarget } from "../build/compile.ts";
import type { Command } from "./command.ts";

const help = `Usage: proxy-wasm build [entry ...] [options]

Compiles filters with the AssemblyScript compiler using asconfig.json's targets:
build/<name>.wasm (release) and build/<name>.debug.wasm (debug, with a names section).

Arguments:
  entry                 a build entry (main.ts), a folder holding one, or a filter name;
                        default: every examples/<name>/main.ts and filters/<name>/main.ts

Options:
  --target <t>          release, debug or all (default: all)
  --out-dir <dir>       where to write the modules (default: build)
  --compiler <dir>      an AssemblyScript package to compile with instead of the installed one
                        (e.g. node_modules/assemblyscript-0.28)
  --json                print [{"name","target","path","size"}] instead of a table
  -h, --help            show this help

Examples:
  proxy-wasm build
  proxy-wasm build add-header --target release`;

export const buildCommand: Command = {
  name: "build",
  summary: "compile filters to build/<name>.wasm and build/<name>.debug.wasm",
  help,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        target: { type: "string", default: "all" },
        "out-dir": { type: "string", default: "build" },
        compiler: { type: "string" },
        json: { type: "boolean", default: false },
      },
    });
    const root = process.cwd();
    const targetOption = values.target ?? "all";
    if (!["release", "debug", "all"].includes(targetOption)) {
      throw new UsageError(`--target must be release, debug or all, not "${targetOption}"`);
    }
    const targets: BuildTarget[] = targetOption === "all" ? ["release", "debug"] : [targetOption as BuildTarget];
    const entries = positionals.length > 0 ? positionals.map((spec) => resolveEntry(root, spec)) : discoverEntries(root);
    if (entries.length === 0) throw new UsageError("nothing to build: no examples/<name>/main.ts or filters/<name>/main.ts");
    const built = await buildFilters({
      root,
      entries,
      targets,
      outDir: resolve(root, values["out-dir"] ?? "build"),
      compiler: values.compiler,
    });
    if (values.json) {
      console.log(JSON.stringify(built, null, 2));
    } else {
      const rows = built.map((m) => [relative(root, m.path), `${m.size.toLocaleString("en-US").padStart(7)} bytes`]);
      const width = Math.max(...rows.map(([path]) => path.length));
      for (const [path, size] of rows) console.log(`${path.padEnd(width)}  ${size}`);
    }
    return 0;
  },
};
