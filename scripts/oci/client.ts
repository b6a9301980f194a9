/**
 * Assembles the layers, redirects(auth(retry(fetch))), and opens a registry Store for a reference.
 * The auth layer belongs to the reference's registry origin alone: a redirect target or any other
 * host is spoken to without credentials.
 */
import { chainCredentials, dockerConfigCredentials, secretsOf, staticCredentials, type Credential, type CredentialProvider, type DockerConfigOptions } from "./credentials.ts";
import { isLoopbackRegistry, parseReference, type Reference } from "./reference.ts";
import { RegistryStore } from "./registry-store.ts";
import { SecretSet } from "./secrets.ts";
import { withAuth } from "./transport/auth.ts";
import { fetchTransport, type Transport } from "./transport/http.ts";
import { withRedirects } from "./transport/redirect.ts";
import { withRetry, type RetryPolicy } from "./transport/retry.ts";

export interface ClientOptions {
  /** Plain HTTP instead of HTTPS (default: on for localhost and 127.0.0.0/8, off elsewhere). */
  plainHttp?: boolean;
  /** Explicit credentials for the reference's registry (never offered to another host). */
  credentials?: Credential;
  /** Docker config.json lookup (default on; `false` disables it). */
  dockerConfig?: boolean | DockerConfigOptions;
  /** Extra credential source consulted after the explicit credentials and before config.json. */
  credentialProvider?: CredentialProvider;
  retry?: Partial<RetryPolicy>;
  /** Longest pause without a byte moving, in ms (default 30 000); not a limit on a whole transfer. */
  stallTimeoutMs?: number;
  /** Send credentials to a plain-HTTP token realm on a non-loopback host (they travel in clear). */
  allowPlainHttpRealm?: boolean;
  userAgent?: string;
  /** One line per HTTP exchange (no headers, no query strings, secrets scrubbed). */
  debug?: (line: string) => void;
  /** One line per retry. */
  onRetry?: (line: string) => void;
  /**
   * Observes each secret of the registry's credential when it is looked up, which happens on the
   * registry's first challenge (so a call means the registry wanted credentials and got some).
   */
  onSecret?: (secret: string) => void;
  /**
   * Collects every secret the client holds or derives, so that nothing printed can contain one. Pass
   * your own to scrub your output too (the CLI does, for `--json`); one is made per transport otherwise.
   */
  secrets?: SecretSet;
  /** Use an OCI image layout directory instead of a registry. */
  ociLayout?: string;
}

export const USER_AGENT = "proxy-wasm-assemblyscript/0.1 (oci client)";

/** The credential for `reference`'s registry: explicit, then the caller's provider, then config.json. */
function credentialLookup(reference: Pick<Reference, "registry" | "endpoint">, options: ClientOptions): () => Promise<Credential | undefined> {
  const providers: CredentialProvider[] = [];
  if (options.credentials) providers.push(staticCredentials(reference.registry, options.credentials));
  if (options.credentialProvider) providers.push(options.credentialProvider);
  if (options.dockerConfig !== false) {
    providers.push(dockerConfigCredentials(typeof options.dockerConfig === "object" ? options.dockerConfig : {}));
  }
  const chain = chainCredentials(...providers);
  return async () => {
    const found = await chain(reference.registry);
    for (const secret of secretsOf(found)) options.onSecret?.(secret);
    return found;
  };
}

/** redirects(auth(retry(fetch))), with the credentials of `reference`'s registry for its origin only. */
export function createTransport(reference: Pick<Reference, "registry" | "endpoint">, options: ClientOptions = {}): Transport {
  const secrets = options.secrets ?? new SecretSet();
  const base = fetchTransport({
    ...(options.stallTimeoutMs !== undefined ? { stallTimeoutMs: options.stallTimeoutMs } : {}),
    userAgent: options.userAgent ?? USER_AGENT,
    secrets,
    ...(options.debug ? { debug: options.debug } : {}),
  });
  const retried = withRetry(base, options.retry, { secrets, ...(options.onRetry ? { onRetry: options.onRetry } : {}) });
  const plainHttp = options.plainHttp ?? isLoopbackRegistry(reference.registry);
  const origin = new URL(`${plainHttp ? "http" : "https"}://${reference.endpoint}`).origin;
  const authed = withAuth(retried, {
    origin,
    registry: reference.registry,
    credential: credentialLookup(reference, options),
    tokenTransport: retried,
    secrets,
    ...(options.allowPlainHttpRealm ? { allowPlainHttpRealm: true } : {}),
  });
  return withRedirects(authed);
}

/** The registry repository a reference names. */
export function openStore(reference: Reference | string, options: ClientOptions = {}, actions: "pull" | "pull,push" = "pull"): RegistryStore {
  const ref = typeof reference === "string" ? parseReference(reference) : reference;
  const secrets = options.secrets ?? new SecretSet();
  return new RegistryStore({
    endpoint: ref.endpoint,
    repository: ref.repository,
    plainHttp: options.plainHttp ?? isLoopbackRegistry(ref.registry),
    transport: createTransport(ref, { ...options, secrets }),
    actions,
    secrets,
    ...(options.retry ? { retry: options.retry } : {}),
  });
}
