import { relative, resolve } from "node:path";
import { UsageError } from "../cli-errors.ts";
import { buildFilters, discoverEntries, type BuildTarget } from "../build/compile.ts";
import { resolveEntry } from "../build/filter-names.ts";
import type { Command } from "./command.ts";
import { defineFlags, parseCommandLine, renderHelp } from "./flags.ts";

const flags = defineFlags({
  target: { type: "string", value: "<t>", choices: ["release", "debug", "all"], default: "all", help: "release, debug or all (default: all)" },
  outDir: { type: "string", value: "<dir>", default: "build", help: "where to write the modules (default: build)" },
  compiler: {
    type: "string",
    value: "<dir>",
    help: ["an AssemblyScript package to compile with instead of the installed one", "(e.g. node_modules/assemblyscript-0.28)"],
  },
  json: { type: "boolean", default: false, help: 'print [{"name","target","path","size"}] instead of a table' },
  debug: {
    type: "boolean",
    default: false,
    help: ["only the debug build (same as --target debug): names and a source map, so that", "trap reports name TypeScript lines"],
  },
});

const help = renderHelp({
  usage: "proxy-wasm build [entry ...] [options]",
  description: `Compiles filters with the AssemblyScript compiler using asconfig.json's targets:
build/<name>.wasm (release) and build/<name>.debug.wasm (debug: a names section, and a source map
build/<name>.debug.wasm.map that the emulator and \`proxy-wasm run\` use to name TypeScript lines in trap reports).`,
  arguments: [
    {
      name: "entry",
      help: [
        "a build entry (main.ts), a folder holding one, or a filter name, else the name",
        "of an example that ships with the package (add-header, ...); default: every",
        "examples/<name>/main.ts and filters/<name>/main.ts",
      ],
    },
  ],
  flags,
  after: `Examples:
  proxy-wasm build
  proxy-wasm build add-header --target release`,
});

export const buildCommand: Command = {
  name: "build",
  summary: "compile filters to build/<name>.wasm and build/<name>.debug.wasm",
  help,
  flags,
  async run(args) {
    const { options, positionals } = parseCommandLine(flags, args, "build");
    const root = process.cwd();
    if (options.debug && options.target === "release") throw new UsageError("--debug builds the debug target: not with --target release");
    const targets: BuildTarget[] = options.debug ? ["debug"] : options.target === "all" ? ["release", "debug"] : [options.target];
    const entries = positionals.length > 0 ? positionals.map((spec) => resolveEntry(root, spec)) : discoverEntries(root);
    if (entries.length === 0) throw new UsageError("nothing to build: no examples/<name>/main.ts or filters/<name>/main.ts");
    const built = await buildFilters({
      root,
      entries,
      targets,
      outDir: resolve(root, options.outDir),
      compiler: options.compiler,
    });
    if (options.json) {
      console.log(JSON.stringify(built, null, 2));
    } else {
      const rows = built.map((m) => [relative(root, m.path), `${m.size.toLocaleString("en-US").padStart(7)} bytes`]);
      const width = Math.max(...rows.map(([path]) => path.length));
      for (const [path, size] of rows) console.log(`${path.padEnd(width)}  ${size}`);
    }
    return 0;
  },
};
