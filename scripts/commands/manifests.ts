/**
 * `proxy-wasm manifests <kind> [example] [options]`: deployment configuration for a built or pushed filter.
 * The flags are declared in manifests-flags.ts; the work is the manifests library's (scripts/manifests/).
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { CliError, EXIT_FAILURE, EXIT_OK, UsageError } from "../cli-errors.ts";
import { ManifestError, type OptionNamer } from "../manifests/errors.ts";
import { createManifests, KINDS, kindsTaking } from "../manifests/index.ts";
import type { ManifestOptions, OptionName, RegistryAccess } from "../manifests/options.ts";
import { outputFiles, toJson, toYaml, type OutputFile } from "../manifests/serialize.ts";
import { MANIFEST_KINDS, type ManifestKind, type ManifestSet } from "../manifests/types.ts";
import type { Command } from "./command.ts";
import { flagOf, parseCommandLine, quoted, renderHelp, type FlagTable } from "./flags.ts";
import { manifestsFlags, SOURCE } from "./manifests-flags.ts";
import { readPasswordFromStdin, SecretGuard } from "./oci-command-options.ts";

/** The flags that are the CLI's own; every other key of the table is a ManifestOptions key (checked here). */
const CLI_ONLY_FLAGS = ["out", "json", "plainHttp", "username", "passwordStdin"] as const;
type CliOnlyFlag = (typeof CLI_ONLY_FLAGS)[number];
/** The registry flags go with --image. */
const REGISTRY_FLAGS: readonly string[] = ["plainHttp", "username", "passwordStdin"];
const everyOtherFlagIsAnOption: Record<Exclude<keyof typeof manifestsFlags, CliOnlyFlag | OptionName>, never> = {};
void everyOtherFlagIsAnOption;

/** A well-formed digest for the offline examples. */
const EXAMPLE_DIGEST = "c134bc10d5f976c5ecb2eea3be033dc70cdec14e516af3405c0a4c039377f8d9";

/** The help lists, under each option only some kinds take, which ones (from KINDS, so it cannot drift). */
const helpFlags: FlagTable = Object.fromEntries(
  Object.entries(manifestsFlags).map(([key, flag]) => {
    const option = REGISTRY_FLAGS.includes(key) ? "image" : (CLI_ONLY_FLAGS as readonly string[]).includes(key) ? undefined : (key as OptionName);
    const kinds = option !== undefined ? kindsTaking(option) : [];
    if (kinds.length === 0 || kinds.length === MANIFEST_KINDS.length) return [key, flag];
    const lines = typeof flag.help === "string" ? [flag.help] : [...flag.help];
    return [key, { ...flag, help: [...lines, `kinds: ${kinds.join(", ")}`] }];
  }),
);

const help = renderHelp({
  usage: "proxy-wasm manifests <kind> [example] [options]",
  description: `Emit the configuration that deploys a filter. Prints multi-document YAML on stdout
(ready for \`kubectl apply -f -\`), or JSON with --json, or one file per document with --out.

Kinds:
${MANIFEST_KINDS.map((kind) => `  ${kind.padEnd(12)} ${KINDS[kind].summary}`).join("\n")}`,
  arguments: [
    {
      name: "[example]",
      section: SOURCE,
      help: [
        "a filter name: add-header → build/add-header.wasm, root id add_header; else the",
        "package's own example of that name (as build, run and push find it)",
      ],
    },
  ],
  flags: helpFlags,
  after: `Examples (each runs as written in this repository once \`npm run asbuild\` built add-header; --digest keeps
the image examples offline, without it the image is fetched and checked):
  proxy-wasm manifests wasmplugin add-header -l app=productpage --phase AUTHZ \\
      --config '{"name":"x-hello","value":"world"}'
  proxy-wasm manifests wasmplugin --image ghcr.io/acme/add-header:v1 -l app=productpage --pull-secret regcred \\
      --digest sha256:${EXAMPLE_DIGEST}
  proxy-wasm manifests envoyfilter add-header -n bookinfo -l app=details,version=v1 --workload details-v1
  proxy-wasm manifests asm --image registry.example.com/asm/add-header:v1 --root-id add_header -l app=details \\
      --digest sha256:${EXAMPLE_DIGEST}
  proxy-wasm manifests wasme --image webassemblyhub.io/acme/add-header:v1 -n bookinfo -l app=details \\
      --config tomorrow --digest sha256:${EXAMPLE_DIGEST}
  proxy-wasm manifests envoy add-header --upstream http://127.0.0.1:8080 --listen-port 10000 > envoy.yaml

Exit codes: 0 success, 1 the operation failed (registry unreachable, cannot write), 2 bad usage or input,
refused before anything is written: unknown kind or flag, an option the kind cannot express, an invalid
name, not a wasm module, a module over 1 MiB for a ConfigMap, an image the target cannot load, a root id the
image does not record, a configuration the filter rejects.`,
});


/** How the CLI names an option of the manifests library: its flag. */
const flagFor: OptionNamer = (option) => {
  if (option === "example") return "[example]";
  if (option === "verifyConfig") return "--no-verify-config";
  return flagOf(option);
};

export interface ManifestsDependencies {
  /** Where output goes (default: process.stdout / process.stderr). */
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  /** Reads the --password-stdin password (default: standard input). */
  readPassword?: () => Promise<string>;
  /** Directory `build/<example>.wasm` is resolved against (default: process.cwd()). */
  cwd?: string;
}

function isKind(value: string): value is ManifestKind {
  return (MANIFEST_KINDS as readonly string[]).includes(value);
}

/** All `--selector` values as one label set; a key given twice must agree. */
function mergeLabels(sets: Array<Record<string, string>>): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const set of sets) {
    for (const [key, value] of Object.entries(set)) {
      if (key in labels && labels[key] !== value) {
        throw new UsageError(`--selector gives ${quoted(key)} twice with different values (${quoted(labels[key]!)}, ${quoted(value)})`);
      }
      labels[key] = value;
    }
  }
  return labels;
}

/** Parses the arguments and returns the generated set (no output). */
export async function buildManifests(
  args: string[],
  deps: ManifestsDependencies = {},
): Promise<{ kind: ManifestKind; set: ManifestSet; out?: string; json: boolean }> {
  const { options: values, positionals } = parseCommandLine(manifestsFlags, args, "manifests");
  const { out, json, plainHttp, username, passwordStdin, selector, ...rest } = values;
  const [kindArg, example, ...extra] = positionals;
  if (kindArg === undefined) throw new UsageError(`missing kind: one of ${MANIFEST_KINDS.join(", ")}`);
  if (!isKind(kindArg)) throw new UsageError(`unknown kind ${quoted(kindArg)}: one of ${MANIFEST_KINDS.join(", ")}`);
  if (extra.length > 0) throw new UsageError(`unexpected argument ${quoted(extra[0]!)}`);
  if (json && out !== undefined) throw new UsageError("give either --json or --out, not both");
  if ([plainHttp, username, passwordStdin].some((v) => v !== undefined) && rest.image === undefined) {
    throw new UsageError("--plain-http, --username and --password-stdin go with --image");
  }
  if ((username === undefined) !== (passwordStdin === undefined)) {
    throw new UsageError("--username and --password-stdin go together (passwords are never taken as arguments)");
  }
  const options: ManifestOptions = { example, ...rest, ...(selector !== undefined ? { selector: mergeLabels(selector) } : {}) };
  const registry: RegistryAccess = {};
  const guard = new SecretGuard();
  if (plainHttp !== undefined) registry.plainHttp = plainHttp;
  if (username !== undefined) {
    const readPassword = deps.readPassword ?? (() => readPasswordFromStdin());
    registry.credentials = { username, password: await readPassword() };
    guard.secrets.addBasic(registry.credentials.username, registry.credentials.password);
  }
  const context = { registry, cwd: deps.cwd ?? process.cwd(), onSecret: (secret: string) => guard.secrets.add(secret), optionName: flagFor };
  // The guard keeps the --password-stdin password out of any error message.
  const set = await guard.run(async () => {
    try {
      return await createManifests(kindArg, options, context);
    } catch (error) {
      if (error instanceof ManifestError) throw new UsageError(error.describe(flagFor));
      throw error;
    }
  });
  return { kind: kindArg, set, out, json: json ?? false };
}

/**
 * Writes every file or none: each goes to a temporary name beside its place first, then all are renamed;
 * on a failure the temporary files and the directories made for them are removed.
 */
function writeAllOrNothing(out: string, files: OutputFile[]): string[] {
  const madeDirs: string[] = [];
  const written: Array<[temporary: string, path: string]> = [];
  try {
    files.forEach((file, index) => {
      const path = join(out, file.path);
      const made = mkdirSync(dirname(path), { recursive: true });
      if (made !== undefined) madeDirs.push(made);
      const temporary = join(dirname(path), `.proxy-wasm-${process.pid}-${index}.tmp`);
      writeFileSync(temporary, file.content, { flag: "wx", mode: file.executable ? 0o755 : 0o644 });
      written.push([temporary, path]);
    });
    for (const [temporary, path] of written) renameSync(temporary, path);
  } catch (error) {
    for (const [temporary] of written) rmSync(temporary, { force: true });
    for (const dir of madeDirs.reverse()) rmSync(dir, { recursive: true, force: true });
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new CliError(`cannot write ${out}: ${code}; nothing was written`, EXIT_FAILURE);
  }
  return written.map(([, path]) => path);
}

export function createManifestsCommand(deps: ManifestsDependencies = {}): Command {
  const stdout = deps.stdout ?? ((text: string) => void process.stdout.write(text));
  const stderr = deps.stderr ?? ((text: string) => void process.stderr.write(text));
  return {
    name: "manifests",
    summary: "emit Istio WasmPlugin/EnvoyFilter, ASM, wasme or Envoy configuration for a filter",
    help,
    flags: manifestsFlags,
    async run(args: string[]): Promise<number> {
      const { set, out, json } = await buildManifests(args, deps);
      if (json) {
        stdout(toJson(set));
      } else if (out !== undefined) {
        for (const path of writeAllOrNothing(out, outputFiles(set))) stdout(`${path}\n`);
        if (set.notes.length > 0) stderr(`${set.notes.join("\n")}\n`);
      } else {
        stdout(toYaml(set));
      }
      return EXIT_OK;
    },
  };
}

export const manifestsCommand: Command = createManifestsCommand();
