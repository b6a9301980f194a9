/** `proxy-wasm init <dir>`: scaffolds a filter project that builds and passes its test right after `npm install`. */
import { relative } from "node:path";
import packageJson from "../../package.json" with { type: "json" };
import { EXIT_OK, UsageError } from "../cli-errors.ts";
import { scaffold } from "../init/scaffold.ts";
import { installedFromSpec, sdkPackageDir, SDK_PACKAGE } from "../sdk-package.ts";
import type { Command } from "./command.ts";
import { defineFlags, parseCommandLine, renderHelp } from "./flags.ts";

const flags = defineFlags({
  name: {
    type: "string",
    value: "<name>",
    help: [
      "filter name (default: the directory's name, lower-cased with '-'); the root id is",
      "the name with '-' → '_'",
    ],
  },
  sdk: {
    type: "string",
    value: "<spec>",
    help: [
      `how the project depends on ${SDK_PACKAGE}: a directory or a tarball from`,
      "`npm pack` (written as file:<absolute path>), or any npm spec (default: where this",
      "proxy-wasm was installed from: the same tarball, directory or git URL, or",
      `^${packageJson.version} from a registry)`,
    ],
  },
  force: { type: "boolean", default: false, help: "write into a non-empty directory (overwrites the files listed above only)" },
  json: { type: "boolean", default: false, help: 'print {"dir", "name", "rootId", "sdk", "files"} instead of text' },
});

const help = renderHelp({
  usage: "proxy-wasm init <dir> [options]",
  description: `Creates a filter project in <dir> (new or empty): package.json (depending on ${SDK_PACKAGE}),
asconfig.json (extends the SDK's compiler settings), one HTTP filter in filters/<name>/ (adds a
response header from its configuration, logs request paths), a test of the built module in the host
emulator (test/<name>.test.mjs, node:test), a README (build, test, run locally, push, deploy) and a
.gitignore. Then: cd <dir> && npm install && npm test.`,
  arguments: [{ name: "<dir>", help: "the project directory (created if missing)" }],
  flags,
  after: `Examples:
  proxy-wasm init my-filter
  proxy-wasm init filters-repo --name header-stamp
  proxy-wasm init /tmp/try --sdk ./proxy-wasm-assemblyscript-${packageJson.version}.tgz
  proxy-wasm init my-filter --sdk ^${packageJson.version}`,
});

export const initCommand: Command = {
  name: "init",
  summary: "scaffold a new filter project (filter, emulator test, README)",
  help,
  flags,
  async run(args) {
    const { options, positionals } = parseCommandLine(flags, args, "init");
    if (positionals.length !== 1) {
      throw new UsageError(positionals.length === 0 ? "name the project directory: proxy-wasm init <dir>" : `one directory only, got ${positionals.join(" ")}`);
    }
    const result = scaffold({
      dir: positionals[0]!,
      name: options.name,
      sdk: options.sdk ?? installedFromSpec(sdkPackageDir(), packageJson.version),
      force: options.force,
      version: packageJson.version,
    });
    if (options.json) {
      const { spec } = result;
      console.log(JSON.stringify({ dir: result.dir, name: spec.filter, rootId: spec.rootId, sdk: spec.sdkSpec, files: result.files }, null, 2));
      return EXIT_OK;
    }
    const shown = relative(process.cwd(), result.dir) || ".";
    console.log(`Created ${shown}: filter ${result.spec.filter} (root id ${result.spec.rootId}), ${SDK_PACKAGE}@${result.spec.sdkSpec}`);
    for (const file of result.files) console.log(`  ${file}`);
    console.log(`\nNext: ${shown === "." ? "" : `cd ${shown} && `}npm install && npm test`);
    return EXIT_OK;
  },
};
