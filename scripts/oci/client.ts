/**
 * Assembles the layers: fetch → retry → auth, and opens a Store for a reference (a registry
 * repository, or an OCI layout directory when `ociLayout` is given).
 */
import { chainCredentials, dockerConfigCredentials, staticCredentials, type Credential, type CredentialProvider, type DockerConfigOptions } from "./credentials.ts";
import { OciLayoutStore } from "./layout-store.ts";
import { isLoopbackRegistry, parseReference, type Reference } from "./reference.ts";
import { RegistryStore } from "./registry-store.ts";
import type { Store } from "./store.ts";
import { withAuth } from "./transport/auth.ts";
import { fetchTransport, type Transport } from "./transport/http.ts";
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
  /** Per-exchange time limit in ms (default 300 000). */
  timeoutMs?: number;
  userAgent?: string;
  /** One line per HTTP exchange (no headers, no query strings). */
  debug?: (line: string) => void;
  /** One line per retry. */
  onRetry?: (line: string) => void;
  /** Observes every secret the client learns (for redaction by the caller). */
  onSecret?: (secret: string) => void;
  /** Use an OCI image layout directory instead of a registry. */
  ociLayout?: string;
}

export const USER_AGENT = "proxy-wasm-assemblyscript/0.1 (oci client)";

/** fetch → retry → auth, with the credential chain of `options` for `reference`'s registry. */
export function createTransport(reference: Pick<Reference, "registry" | "endpoint">, options: ClientOptions = {}): Transport {
  const base = fetchTransport({
    timeoutMs: options.timeoutMs ?? 300_000,
    userAgent: options.userAgent ?? USER_AGENT,
    ...(options.debug ? { debug: options.debug } : {}),
  });
  const retried = withRetry(base, options.retry, options.onRetry ? { onRetry: options.onRetry } : {});
  const providers: CredentialProvider[] = [];
  if (options.credentials) {
    providers.push(staticCredentials(reference.registry, options.credentials));
    if (reference.endpoint !== reference.registry) providers.push(staticCredentials(reference.endpoint, options.credentials));
  }
  if (options.credentialProvider) providers.push(options.credentialProvider);
  if (options.dockerConfig !== false) {
    const dockerOptions = typeof options.dockerConfig === "object" ? { ...options.dockerConfig } : {};
    if (options.onSecret && !dockerOptions.onSecret) dockerOptions.onSecret = options.onSecret;
    const fromConfig = dockerConfigCredentials(dockerOptions);
    // Docker Hub's API host files its credentials under docker.io's key.
    providers.push((host) => fromConfig(host === reference.endpoint ? reference.registry : host));
  }
  return withAuth(retried, { credentials: chainCredentials(...providers), tokenTransport: retried });
}

/** The store a reference names: its registry repository, or `options.ociLayout`. */
export function openStore(reference: Reference | string, options: ClientOptions = {}, actions: "pull" | "pull,push" = "pull"): Store {
  if (options.ociLayout !== undefined) return new OciLayoutStore(options.ociLayout);
  const ref = typeof reference === "string" ? parseReference(reference) : reference;
  return new RegistryStore({
    endpoint: ref.endpoint,
    repository: ref.repository,
    plainHttp: options.plainHttp ?? isLoopbackRegistry(ref.registry),
    transport: createTransport(ref, options),
    actions,
    ...(options.retry ? { retry: options.retry } : {}),
  });
}
