/**
 * Declarative command-line flags: each command describes its flags once, in a table keyed by the name the
 * option object uses (`rootId` is typed `--root-id`). From that one table come
 * - the `util.parseArgs` configuration,
 * - the typed option object (each flag's `parse` turns the text into the value the library wants, and
 *   carries the flag's validation message),
 * - the flag part of `--help`,
 * - one-line usage errors (exit 2) for unknown flags and missing values, ending in "(try --help)".
 */
import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "../cli-errors.ts";

interface FlagCommon {
  /** Help text: one string per line (continuation lines are indented under the first). */
  help: string | readonly string[];
  /** One-letter alias, typed `-x`. */
  short?: string;
  /** The help heading the flag is listed under (default "Options"). */
  section?: string;
}

/** A flag with a value: `--name <value>`. */
export interface ValueFlag extends FlagCommon {
  type: "string";
  /** The value's placeholder in the help, e.g. "<name>". */
  value: string;
  multiple?: false;
  /** The value when the flag is absent (already in the parsed type). */
  default?: unknown;
  /** Accepted values; anything else is refused with the list. */
  choices?: readonly string[];
  /** Validates and converts the text; throws a UsageError naming `flag` on bad input. */
  parse?: (raw: string, flag: string) => unknown;
}

/** A repeatable flag: every occurrence is collected (and parsed) in order. */
export interface ListFlag extends FlagCommon {
  type: "string";
  value: string;
  multiple: true;
  default?: unknown;
  choices?: readonly string[];
  parse?: (raw: string, flag: string) => unknown;
}

/** A switch: `--json`; with `negatable`, `--no-<name>` sets it to false. */
export interface SwitchFlag extends FlagCommon {
  type: "boolean";
  negatable?: boolean;
  default?: boolean;
}

export type Flag = ValueFlag | ListFlag | SwitchFlag;
export type FlagTable = Record<string, Flag>;

type Parsed<F> = F extends { parse: (raw: string, flag: string) => infer T }
  ? T
  : F extends { choices: readonly (infer C)[] }
    ? C
    : string;
type FlagValue<F> = F extends { type: "boolean" } ? boolean : F extends { multiple: true } ? Parsed<F>[] : Parsed<F>;

/** The option object a table yields: absent flags are `undefined` unless they have a default. */
export type OptionsOf<T extends FlagTable> = {
  -readonly [K in keyof T]: T[K] extends { default: unknown } ? FlagValue<T[K]> : FlagValue<T[K]> | undefined;
};

/** Declares a table, keeping its literal types (so `OptionsOf` knows choices and parse results). */
export function defineFlags<const T extends FlagTable>(table: T): T {
  return table;
}

/** `rootId` → `root-id`. */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** `rootId` → `--root-id`, as the user types it (for messages). */
export function flagOf(key: string): string {
  return `--${flagName(key)}`;
}

/** The largest file a flag reads (a plugin configuration, say). */
export const MAX_FLAG_FILE_BYTES = 1024 * 1024;

/**
 * The text of a file a flag names (`--config @file`, `--config-file file`), refused in one line before any
 * other work when it is missing, a directory, unreadable or over `maxBytes`.
 */
export function readFlagFile(flag: string, path: string, options: { cwd?: string; maxBytes?: number } = {}): string {
  const shown = quoted(path);
  const maxBytes = options.maxBytes ?? MAX_FLAG_FILE_BYTES;
  const file = resolve(options.cwd ?? process.cwd(), path);
  try {
    const stat = statSync(file);
    if (stat.isDirectory()) throw new UsageError(`${flag}: ${shown} is a directory, not a file`);
    if (stat.size > maxBytes) throw new UsageError(`${flag}: ${shown} is ${stat.size} bytes, over the ${maxBytes}-byte limit`);
    return readFileSync(file, "utf8");
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT" ? "no such file" : code === "EACCES" || code === "EPERM" ? "permission denied" : code === "ENOTDIR" ? "a part of the path is not a directory" : `cannot read it (${code ?? "error"})`;
    throw new UsageError(`${flag}: ${shown}: ${reason}`);
  }
}

/** Text from the command line, quoted and escaped for a message. */
export function quoted(text: string): string {
  return JSON.stringify(text);
}

function parseArgsConfig(table: FlagTable): NonNullable<ParseArgsConfig["options"]> {
  const options: NonNullable<ParseArgsConfig["options"]> = {};
  for (const [key, flag] of Object.entries(table)) {
    const name = flagName(key);
    options[name] = {
      type: flag.type,
      ...(flag.short !== undefined ? { short: flag.short } : {}),
      ...(flag.type === "string" && flag.multiple ? { multiple: true } : {}),
    };
    if (flag.type === "boolean" && flag.negatable) options[`no-${name}`] = { type: "boolean" };
  }
  return options;
}

/** parseArgs' multi-line messages, as one line of ours. */
function usageErrorFrom(error: { code?: string; message: string }, command: string): UsageError {
  const option = /'(-[^' ]*)/.exec(error.message)?.[1];
  const shown = option !== undefined ? quoted(option).slice(1, -1) : undefined;
  switch (error.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return new UsageError(`unknown option ${shown ?? "(unreadable)"} for ${command} (try --help)`);
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      if (/does not take an argument/.test(error.message)) return new UsageError(`${shown} takes no value (try --help)`);
      return new UsageError(`${shown} needs a value (try --help)`);
    default:
      return new UsageError(`${error.message.split("\n")[0]} (try --help)`);
  }
}

function checkChoice(flag: ValueFlag | ListFlag, raw: string, name: string): void {
  if (flag.choices && !flag.choices.includes(raw)) {
    throw new UsageError(`${name} must be one of ${flag.choices.join(", ")}, not ${quoted(raw)}`);
  }
}

/**
 * Parses `args` against `table`: the typed options (each `parse` applied, defaults filled in) and the
 * positional arguments. Every problem is a one-line UsageError; `command` names the command in messages.
 */
export function parseCommandLine<T extends FlagTable>(
  table: T,
  args: string[],
  command: string,
): { options: OptionsOf<T>; positionals: string[] } {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, allowPositionals: true, strict: true, options: parseArgsConfig(table) });
  } catch (error) {
    const code = (error as { code?: string } | null)?.code;
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) throw usageErrorFrom(error as Error, command);
    throw error;
  }
  const values = parsed.values as Record<string, string | boolean | string[] | undefined>;
  const options: Record<string, unknown> = {};
  for (const [key, flag] of Object.entries(table)) {
    const name = flagName(key);
    const given = values[name];
    if (flag.type === "boolean") {
      const negated = flag.negatable ? values[`no-${name}`] : undefined;
      if (given !== undefined && negated !== undefined) throw new UsageError(`--${name} and --no-${name} exclude each other`);
      options[key] = given !== undefined ? true : negated !== undefined ? false : flag.default;
      continue;
    }
    if (given === undefined) {
      options[key] = flag.default;
      continue;
    }
    const convert = (raw: string): unknown => {
      checkChoice(flag, raw, `--${name}`);
      return flag.parse ? flag.parse(raw, `--${name}`) : raw;
    };
    options[key] = Array.isArray(given) ? given.map(convert) : convert(given as string);
  }
  return { options: options as OptionsOf<T>, positionals: parsed.positionals };
}

/** An argument (positional) as the help lists it. */
export interface ArgumentHelp {
  name: string;
  help: string | readonly string[];
  section?: string;
}

export interface HelpSpec {
  /** After "Usage: ". */
  usage: string;
  /** What the command does (one or more paragraphs). */
  description: string;
  arguments?: readonly ArgumentHelp[];
  flags: FlagTable;
  /** Blocks after the flags: formats, examples, exit codes. */
  after?: string;
}

const HELP_ENTRY: Flag = { type: "boolean", short: "h", help: "show this help" };
const MAX_LABEL_COLUMN = 30;

function flagLabel(key: string, flag: Flag): string {
  const name = flagName(key);
  const long = flag.type === "boolean" && flag.negatable ? `--${name}, --no-${name}` : `--${name}`;
  const value = flag.type === "string" ? ` ${flag.value}` : "";
  return `${flag.short !== undefined ? `-${flag.short}, ` : ""}${long}${value}`;
}

/** The full `--help` text: usage, description, then arguments and flags by section, then `after`. */
export function renderHelp(spec: HelpSpec): string {
  const sections = new Map<string, Array<[string, readonly string[]]>>();
  const add = (section: string, label: string, help: string | readonly string[]) => {
    if (!sections.has(section)) sections.set(section, []);
    sections.get(section)!.push([label, typeof help === "string" ? [help] : help]);
  };
  for (const argument of spec.arguments ?? []) add(argument.section ?? "Arguments", argument.name, argument.help);
  let lastSection = "Options";
  for (const [key, flag] of Object.entries(spec.flags)) {
    lastSection = flag.section ?? "Options";
    add(lastSection, flagLabel(key, flag), flag.help);
  }
  add(lastSection, flagLabel("help", HELP_ENTRY), HELP_ENTRY.help);

  const labels = [...sections.values()].flat().map(([label]) => label.length);
  const column = Math.min(MAX_LABEL_COLUMN, Math.max(...labels.filter((n) => n <= MAX_LABEL_COLUMN - 4))) + 4;
  const blocks = [`Usage: ${spec.usage}`, spec.description];
  for (const [heading, entries] of sections) {
    const lines = [`${heading}:`];
    for (const [label, help] of entries) {
      const first = `  ${label}`;
      const [head = "", ...rest] = help;
      if (first.length + 2 > column) lines.push(first, `${" ".repeat(column)}${head}`);
      else lines.push(`${first.padEnd(column)}${head}`);
      for (const line of rest) lines.push(`${" ".repeat(column)}${line}`);
    }
    blocks.push(lines.join("\n"));
  }
  if (spec.after !== undefined) blocks.push(spec.after);
  return blocks.join("\n\n");
}
