/** The CLI's subcommands, in the order `--help` lists them. */
import type { Command } from "./command.ts";
import { manifestsCommand } from "./manifests.ts";

export const commands: Command[] = [manifestsCommand];
