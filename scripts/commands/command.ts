import type { FlagTable } from "./flags.ts";

/** One subcommand of the `proxy-wasm` CLI. */
export interface Command {
  /** The word typed after `proxy-wasm`. */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Full `--help` text: usage line, arguments, options, examples. */
  help: string;
  /** The command's flag table (scripts/commands/flags.ts): what `help` lists and `run` parses. */
  flags: FlagTable;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(args: string[]): Promise<number>;
}
