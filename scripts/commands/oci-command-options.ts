/**
 * What push, pull and inspect share: the registry/credential flags, reading `--password-stdin`,
 * building the library's client options, and the guard that turns every failure into one line and
 * collects the secrets the client holds, so that nothing printed can contain one.
 */
import { UsageError } from "../cli-errors.ts";
import { SecretSet, TIMEOUTS, type ClientOptions } from "../oci/index.ts";
import { defineFlags, quoted, type OptionsOf } from "./flags.ts";
import { toCliError } from "./oci-errors.ts";

/** `--timeout` in seconds → milliseconds. */
export function parseTimeout(raw: string): number {
  const seconds = Number(raw);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(raw.trim()) || !(seconds > 0) || seconds > 86_400) {
    throw new UsageError(`--timeout ${quoted(raw)} is not a number of seconds (greater than 0, at most 86400)`);
  }
  return Math.round(seconds * 1000);
}

/** The flags push, pull and inspect share (spread into each command's table). */
export const registryFlags = defineFlags({
  ociLayout: {
    type: "string",
    value: "<dir>",
    parse: (raw: string) => {
      if (raw === "") throw new UsageError("--oci-layout needs a directory");
      return raw;
    },
    help: ["use an OCI image layout directory instead of a registry", "(the reference is then a tag or digest in it)"],
  },
  plainHttp: { type: "boolean", negatable: true, help: "HTTP instead of HTTPS (default: on for localhost and 127.0.0.0/8)" },
  username: { type: "string", short: "u", value: "<name>", help: "user name for the reference's registry (needs --password-stdin)" },
  passwordStdin: { type: "boolean", help: "read the password or token from standard input" },
  timeout: {
    type: "string",
    value: "<seconds>",
    parse: parseTimeout,
    help: [
      `give up when no byte moves for this long (default ${TIMEOUTS.stallMs / 1000}); not a limit on`,
      "a whole transfer, so a big module on a slow link still arrives",
    ],
  },
  allowPlainHttpRealm: {
    type: "boolean",
    help: ["send credentials to a plain-HTTP token server on another host", "(refused by default: they would travel in clear)"],
  },
  verbose: { type: "boolean", short: "v", help: "log HTTP exchanges and retries on stderr (never headers or secrets)" },
});

/** Where the registry flags' credentials come from and go to, for the help's closing lines. */
export const registryCredentialsHelp = [
  "Credentials: --username/--password-stdin for the reference's registry, else Docker's config.json",
  "($DOCKER_CONFIG/config.json or ~/.docker/config.json): credHelpers, credsStore, then auths. They go",
  "to that registry and the token server it names, never to a host it redirects to (docs/security.md).",
].join("\n");

export type RegistryOptionValues = Partial<OptionsOf<typeof registryFlags>>;

/** Collects the client's secrets and turns any failure into one scrubbed line. */
export class SecretGuard {
  readonly secrets = new SecretSet();

  /** Runs `body`; any error leaves as a one-line CliError (exit code and flag hints by the error's kind). */
  async run<T>(body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      throw toCliError(error, this.secrets);
    }
  }
}

/** Reads a password from standard input (one trailing newline removed); refuses a terminal or nothing. */
export async function readPasswordFromStdin(stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  if (stdin.isTTY) throw new UsageError("--password-stdin reads the password from standard input; pipe it in");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.byteLength;
    if (size > 64 * 1024) throw new UsageError("--password-stdin: standard input is longer than 64 KiB");
    chunks.push(buffer);
  }
  const password = Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
  if (password === "") throw new UsageError("--password-stdin: standard input is empty");
  return password;
}

/** Client options from the parsed flags; reads the password (before any network traffic). */
export async function clientOptionsFrom(values: RegistryOptionValues, guard: SecretGuard): Promise<ClientOptions> {
  const options: ClientOptions = { secrets: guard.secrets };
  if (values.plainHttp !== undefined) options.plainHttp = values.plainHttp;
  if (values.ociLayout !== undefined) options.ociLayout = values.ociLayout;
  if (values.timeout !== undefined) options.stallTimeoutMs = values.timeout;
  if (values.allowPlainHttpRealm) options.allowPlainHttpRealm = true;
  if (values.passwordStdin && values.username === undefined) {
    throw new UsageError("--password-stdin needs --username");
  }
  if (values.username !== undefined) {
    if (!values.passwordStdin) throw new UsageError("--username needs --password-stdin (passwords are never taken as arguments)");
    if (values.username === "") throw new UsageError("--username is empty");
    const password = await readPasswordFromStdin();
    guard.secrets.addBasic(values.username, password);
    options.credentials = { username: values.username, password };
  }
  if (values.verbose) {
    const log = (line: string) => process.stderr.write(`${line}\n`);
    options.debug = log;
    options.onRetry = log;
  }
  return options;
}
