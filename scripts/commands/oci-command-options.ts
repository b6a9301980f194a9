/**
 * What push, pull and inspect share: the registry/credential options, reading `--password-stdin`,
 * building the client options, and the guard that keeps every secret out of what we print.
 */
import { CliError, EXIT_FAILURE, UsageError } from "../cli-errors.ts";
import type { ClientOptions } from "../oci/index.ts";
import { defineFlags, type OptionsOf } from "./flags.ts";

/** The flags push, pull and inspect share (spread into each command's table). */
export const registryFlags = defineFlags({
  ociLayout: {
    type: "string",
    value: "<dir>",
    help: ["use an OCI image layout directory instead of a registry", "(the reference is then a tag or digest in it)"],
  },
  plainHttp: { type: "boolean", negatable: true, help: "HTTP instead of HTTPS (default: on for localhost and 127.0.0.0/8)" },
  username: { type: "string", short: "u", value: "<name>", help: "user name for the reference's registry (needs --password-stdin)" },
  passwordStdin: { type: "boolean", help: "read the password or token from standard input" },
  verbose: { type: "boolean", short: "v", help: "log HTTP exchanges and retries on stderr (never headers or secrets)" },
});

/** Where the registry flags' credentials come from, for the help's closing lines. */
export const registryCredentialsHelp = [
  "Credentials: --username/--password-stdin for the reference's registry, else Docker's config.json",
  "($DOCKER_CONFIG/config.json or ~/.docker/config.json): credHelpers, credsStore, then auths.",
].join("\n");

export type RegistryOptionValues = Partial<OptionsOf<typeof registryFlags>>;

/** Collects secrets and scrubs them from any text before it is printed. */
export class SecretGuard {
  private readonly secrets = new Set<string>();

  add(secret: string | undefined): void {
    if (secret && secret.length >= 1) this.secrets.add(secret);
  }

  scrub(text: string): string {
    let out = text;
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) {
      out = out.split(secret).join("***");
      const encoded = Buffer.from(secret).toString("base64");
      if (encoded.length >= 8) out = out.split(encoded).join("***");
    }
    return out;
  }

  /** Runs `body`; any error leaves as a CliError whose one-line message holds no known secret. */
  async run<T>(body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      if (error instanceof CliError) {
        const scrubbed = this.scrub(error.message);
        if (scrubbed === error.message) throw error;
        throw new CliError(scrubbed, error.exitCode);
      }
      const code = (error as { code?: string } | null)?.code;
      if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) throw new UsageError(this.scrub((error as Error).message));
      const message = error instanceof Error ? error.message : String(error);
      throw new CliError(this.scrub(message.split("\n")[0] ?? "unexpected error"), EXIT_FAILURE);
    }
  }
}

/** Reads a password from standard input (one trailing newline removed); refuses a terminal or nothing. */
export async function readPasswordFromStdin(stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  if (stdin.isTTY) throw new UsageError("--password-stdin reads the password from standard input; pipe it in");
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  const password = Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
  if (password === "") throw new UsageError("--password-stdin: standard input is empty");
  return password;
}

/** Client options from the parsed flags; reads the password (before any network traffic). */
export async function clientOptionsFrom(values: RegistryOptionValues, guard: SecretGuard): Promise<ClientOptions> {
  const options: ClientOptions = { onSecret: (secret) => guard.add(secret) };
  if (values.plainHttp !== undefined) options.plainHttp = values.plainHttp;
  if (values.ociLayout !== undefined) {
    if (values.ociLayout === "") throw new UsageError("--oci-layout needs a directory");
    options.ociLayout = values.ociLayout;
  }
  if (values.passwordStdin && values.username === undefined) {
    throw new UsageError("--password-stdin needs --username");
  }
  if (values.username !== undefined) {
    if (!values.passwordStdin) throw new UsageError("--username needs --password-stdin (passwords are never taken as arguments)");
    if (values.username === "") throw new UsageError("--username is empty");
    const password = await readPasswordFromStdin();
    guard.add(password);
    options.credentials = { username: values.username, password };
  }
  if (values.verbose) {
    const log = (line: string) => process.stderr.write(`${guard.scrub(line)}\n`);
    options.debug = log;
    options.onRetry = log;
  }
  return options;
}
