/**
 * Errors of the registry client. All are CliErrors: the CLI prints their one-line message as
 * `error: <message>` and exits 1 (failures) or 2 (bad input, refused before any network traffic).
 */
import { CliError, UsageError } from "../cli-errors.ts";

export { UsageError };

/** A registry operation failed. */
export class OciError extends CliError {
  constructor(message: string) {
    super(message);
    this.name = "OciError";
  }
}

/** Content did not hash to the digest that names it. */
export class DigestMismatchError extends OciError {
  constructor(message: string) {
    super(message);
    this.name = "DigestMismatchError";
  }
}

/** The registry (or its token server) refused our credentials or demanded some. */
export class UnauthorizedError extends OciError {
  constructor(message: string) {
    super(message);
    this.name = "UnauthorizedError";
  }
}

/** The registry answered with an unexpected status; `code` is its first error code, if any. */
export class RegistryHttpError extends OciError {
  readonly status: number;
  readonly code: string | undefined;
  constructor(message: string, status: number, code: string | undefined) {
    super(message);
    this.name = "RegistryHttpError";
    this.status = status;
    this.code = code;
  }
}

/**
 * The connection failed. `transient` failures (refused, reset, timed out) are worth retrying; others
 * (TLS mismatch, unknown host, a port fetch blocks) are not.
 */
export class NetworkError extends OciError {
  readonly transient: boolean;
  constructor(message: string, transient = true) {
    super(message);
    this.name = "NetworkError";
    this.transient = transient;
  }
}
