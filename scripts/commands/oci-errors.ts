/**
 * The command layer's words for the OCI library's errors: the exit code of each kind (2 for what the
 * user gave us, 1 for everything that failed on the way) and the flag that would help, which only the
 * CLI knows. Any other error becomes one line with its outside text escaped and secrets scrubbed.
 */
import { CliError, EXIT_FAILURE, EXIT_USAGE, UsageError } from "../cli-errors.ts";
import { OciError, printable, type OciErrorKind, type SecretSet } from "../oci/index.ts";

const HINTS: Partial<Record<OciErrorKind, string>> = {
  unauthorized: " (use --username with --password-stdin, or a docker config.json)",
  "https-required": "; use --no-plain-http",
  "plain-http-server": "; is it a plain-HTTP registry? try --plain-http",
  "tls-untrusted": "; trust its CA with NODE_EXTRA_CA_CERTS=<ca.pem>",
  insecure: " (--allow-plain-http-realm sends them anyway)",
  timeout: " (--timeout <seconds> waits longer)",
};

const USAGE_KINDS: ReadonlySet<OciErrorKind> = new Set(["invalid-input", "layout"]);

export function cliErrorFromOci(error: OciError): CliError {
  const message = `${error.message}${HINTS[error.kind] ?? ""}`;
  return USAGE_KINDS.has(error.kind) ? new UsageError(message) : new CliError(message, EXIT_FAILURE);
}

/** Any thrown value as a one-line CliError that holds no known secret. */
export function toCliError(error: unknown, secrets?: SecretSet): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof OciError) return cliErrorFromOci(error);
  const code = (error as { code?: string } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const line = printable(message.split("\n")[0] ?? "unexpected error", secrets, 300);
  if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) return new CliError(line, EXIT_USAGE);
  return new CliError(line, EXIT_FAILURE);
}
