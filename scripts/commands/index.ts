/** The CLI's subcommands, in the order `--help` lists them. */
import type { Command } from "./command.ts";
import { buildCommand } from "./build.ts";
import { manifestsCommand } from "./manifests.ts";
import { pushCommand } from "./push.ts";
import { pullCommand } from "./pull.ts";
import { inspectCommand } from "./inspect.ts";
import { runCommand } from "./run.ts";
import { initCommand } from "./init.ts";

export const commands: Command[] = [initCommand, buildCommand, runCommand, manifestsCommand, pushCommand, pullCommand, inspectCommand];
