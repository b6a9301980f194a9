/**
 * The `proxy-wasm` command line: one entry, one file per subcommand in scripts/commands/.
 * Every failure ends as one `error: ...` line on stderr and a documented exit code.
 */
import packageJson from "../package.json" with { type: "json" };
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./cli-errors.ts";
import type { Command } from "./commands/command.ts";
import { commands } from "./commands/index.ts";
import { cliErrorFromOci } from "./commands/oci-errors.ts";
import { OciError } from "./oci/index.ts";

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    "Usage: proxy-wasm <command> [options]",
    "",
    "Write, test, ship and deploy Proxy-Wasm filters in AssemblyScript.",
    "",
    "Commands:",
    ...lines,
    "",
    "Run `proxy-wasm <command> --help` (or `proxy-wasm help <command>`) for the options of one command,",
    "`proxy-wasm --version` for the version.",
    "Exit codes: 0 success, 1 the operation failed, 2 bad usage or input.",
  ].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-v") {
    console.log(packageJson.version);
    return EXIT_OK;
  }
  if (name === undefined || name === "--help" || name === "-h") {
    console.log(overview());
    return EXIT_OK;
  }
  if (name === "help") {
    const topic = rest[0];
    if (topic === undefined) {
      console.log(overview());
      return EXIT_OK;
    }
    const command = commands.find((c) => c.name === topic);
    if (!command) return unknownCommand(topic);
    console.log(command.help);
    return EXIT_OK;
  }
  const command: Command | undefined = commands.find((c) => c.name === name);
  if (!command) return unknownCommand(name);
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(command.help);
    return EXIT_OK;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    return reportFailure(error);
  }
}

function unknownCommand(name: string): number {
  console.error(`error: unknown command ${JSON.stringify(name)} (try --help)`);
  return EXIT_USAGE;
}

/** Prints one line for any thrown value; stack traces only with PROXY_WASM_DEBUG=1. */
export function reportFailure(thrown: unknown): number {
  const error = thrown instanceof OciError ? cliErrorFromOci(thrown) : thrown;
  if (error instanceof CliError) {
    console.error(`error: ${error.message}`);
    return error.exitCode;
  }
  // util.parseArgs errors are usage errors.
  const code = (error as { code?: string } | null)?.code;
  if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
    console.error(`error: ${(error as Error).message}`);
    return EXIT_USAGE;
  }
  const message = error instanceof Error ? error.message : String(error);
  console.error(`error: ${message.split("\n")[0]}`);
  if (process.env.PROXY_WASM_DEBUG === "1" && error instanceof Error) console.error(error.stack);
  return EXIT_FAILURE;
}
