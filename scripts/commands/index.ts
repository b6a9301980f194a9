/** The CLI's subcommands, in the order `--help` lists them. */
import type { Command } from "./command.ts";

export const commands: Command[] = [];
