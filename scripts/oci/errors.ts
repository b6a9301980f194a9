/**
 * Errors of the OCI library. They are plain Errors (the library knows nothing of the CLI) with a
 * machine-readable `kind` that callers branch on: the CLI maps kinds to exit codes and words the flag
 * hints (scripts/commands/oci-errors.ts). Messages are one line; any text that came from outside (a
 * registry body, a header, a file name in a layer) is escaped and scrubbed of secrets before it is put
 * into one (secrets.ts), so a message is always safe to print.
 */

export type OciErrorKind =
  /** A reference, option or module the caller passed in is unusable (nothing was sent). */
  | "invalid-input"
  /** The registry wants credentials and we have none. */
  | "unauthorized"
  /** The registry refused the credentials we sent (or they do not grant the scope). */
  | "denied"
  /** Refused to send credentials where they would travel in clear or to an origin that did not ask. */
  | "insecure"
  /** The tag, manifest or blob does not exist. */
  | "not-found"
  /** Content did not hash to its digest or had another size. */
  | "digest-mismatch"
  /** Something from outside was larger than its limit (limits.ts). */
  | "too-large"
  /** Malformed content: a manifest, a config, a layer, a token reply. */
  | "invalid-content"
  /** The registry answered with an unexpected status. */
  | "registry"
  /** The server answers HTTP but is not an OCI registry. */
  | "not-a-registry"
  /** We spoke plain HTTP to a server that wants HTTPS. */
  | "https-required"
  /** We spoke HTTPS to a server that speaks plain HTTP. */
  | "plain-http-server"
  /** The server's TLS certificate is not trusted. */
  | "tls-untrusted"
  /** Connection failures (refused, reset, unknown host, TLS). */
  | "network"
  /** No bytes for longer than the stall timeout. */
  | "timeout"
  /** A credential helper or Docker's config.json failed. */
  | "credentials"
  /** An OCI layout directory that does not exist or is not one. */
  | "layout"
  /** A file we were asked to write cannot be written. */
  | "output";

export class OciError extends Error {
  readonly kind: OciErrorKind;
  constructor(message: string, kind: OciErrorKind = "registry") {
    super(message);
    this.name = "OciError";
    this.kind = kind;
  }
}

/** Content did not hash to the digest that names it, or had another size. */
export class DigestMismatchError extends OciError {
  constructor(message: string) {
    super(message, "digest-mismatch");
    this.name = "DigestMismatchError";
  }
}

/** The registry (or its token server) refused our credentials (`denied`) or demanded some (`unauthorized`). */
export class UnauthorizedError extends OciError {
  constructor(message: string, kind: "unauthorized" | "denied" = "denied") {
    super(message, kind);
    this.name = "UnauthorizedError";
  }
}

/** The registry answered with an unexpected status; `code` is its first error code, if any. */
export class RegistryHttpError extends OciError {
  readonly status: number;
  readonly code: string | undefined;
  constructor(message: string, status: number, code: string | undefined, kind: OciErrorKind = "registry") {
    super(message, kind);
    this.name = "RegistryHttpError";
    this.status = status;
    this.code = code;
  }
}

/**
 * The connection failed. `transient` failures (refused, reset, stalled) are worth retrying; others
 * (TLS mismatch, unknown host, a port fetch blocks) are not.
 */
export class NetworkError extends OciError {
  readonly transient: boolean;
  constructor(message: string, transient = true, kind: OciErrorKind = "network") {
    super(message, kind);
    this.name = "NetworkError";
    this.transient = transient;
  }
}

/** An unusable argument: malformed reference, module that is not wasm, bad option value. */
export function invalidInput(message: string): OciError {
  return new OciError(message, "invalid-input");
}
