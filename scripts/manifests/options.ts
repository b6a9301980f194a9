/**
 * The option object of the manifests library: what to deploy and how, already typed (a CLI turns its
 * flags into this; scripts/commands/manifests.ts does). Everything is optional; `createManifests`
 * validates it for the kind and fills in the defaults below.
 */
import type { FailStrategy, PatchContext, Phase, PullPolicy } from "./types.ts";

export interface HostPort {
  host: string;
  port: number;
}

/** How to reach the registry of an `image`. */
export interface RegistryAccess {
  /** http:// instead of https:// (absent: the OCI client's default, on for localhost and 127.0.0.0/8 only). */
  plainHttp?: boolean;
  /** Credentials for the image's registry (absent: Docker's config.json, then anonymous). */
  credentials?: { username: string; password: string };
}

export interface ManifestOptions {
  /** Module source, one of: a filter name, meaning `build/<name>.wasm` (else the package's example of that name) ... */
  example?: string;
  /** ... a local .wasm file ... */
  wasm?: string;
  /** ... or a pushed image, `registry/repository:tag[@sha256:…]`. */
  image?: string;
  /** With `wasm`: the http(s) URL the file is served from (WasmPlugin only). */
  url?: string;
  /** With `image`: its manifest digest; the registry is then not asked (and the artifact not checked). */
  digest?: string;
  /** Resource name (default: from the example, file or repository name). */
  name?: string;
  namespace?: string;
  /** Root id (default: the artifact's recorded one, else the name with '-' → '_'). */
  rootId?: string;
  /** Plugin configuration as text; a JSON object stays structured where the format allows. */
  config?: string;
  /** Workload labels (of the pod template). */
  selector?: Record<string, string>;
  /**
   * No selector is meant: the resource applies to every workload of the namespace (and a mounted module
   * patches every Deployment there). Kinds where an empty selector means that require it to be said.
   */
  allWorkloads?: boolean;
  /** `undefined`: unspecified (Istio inserts the plugin just before the router). */
  phase?: Phase;
  failStrategy?: FailStrategy;
  pullSecret?: string;
  pullPolicy?: PullPolicy;
  vmId?: string;
  context?: PatchContext;
  /** The Deployment to patch with the volume annotations. */
  workload?: string;
  /** Where the proxy reads the module. */
  modulePath?: string;
  /** Envoy bootstrap: the upstream cluster, the listener port, the admin port. */
  upstream?: HostPort;
  listenPort?: number;
  adminPort?: number;
  /**
   * Run the module with the configuration in the emulator before emitting anything, and refuse when the
   * filter rejects it or the VM fails (default true; needs the module: a file, or an image not given by digest).
   */
  verifyConfig?: boolean;
}

/** An option's name (what errors and kind descriptions refer to). */
export type OptionName = keyof ManifestOptions;

export const DEFAULT_NAMESPACE = "default";
export const DEFAULT_FAIL_STRATEGY: FailStrategy = "FAIL_CLOSE";
export const DEFAULT_CONTEXT: PatchContext = "SIDECAR_INBOUND";
export const DEFAULT_UPSTREAM: HostPort = { host: "127.0.0.1", port: 8080 };
export const DEFAULT_LISTEN_PORT = 10000;
