/**
 * Errors the CLI reports as one readable line (never a stack trace).
 * Exit codes (documented in the README):
 *   0  success
 *   1  the operation failed (registry error, digest mismatch, filter failed, ...)
 *   2  bad usage or bad input, refused before doing anything (unknown flag, malformed reference, not a wasm file)
 */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The operation failed; `message` is what the user reads after `error: `. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT_FAILURE) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

/** Bad arguments or input, detected before any side effect. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT_USAGE);
    this.name = "UsageError";
  }
}
