/**
 * Shared types of the manifest generators: one resolved, validated input object goes in, a `ManifestSet`
 * (plain JS objects, no YAML) comes out. Parsing flags and reading files/registries happens before
 * (`input.ts`, `source.ts`); serialising happens after (`serialize.ts`).
 */

/** What `manifests <kind>` can emit. */
export type ManifestKind = "wasmplugin" | "envoyfilter" | "asm" | "wasme" | "envoy";

export const MANIFEST_KINDS: readonly ManifestKind[] = ["wasmplugin", "envoyfilter", "asm", "wasme", "envoy"];

/** Istio `WasmPlugin.spec.phase`; `undefined` = unspecified (Istio inserts the plugin just before the router). */
export type Phase = "AUTHN" | "AUTHZ" | "STATS";

/** Failure behaviour when the VM fails: closed (503 for the request) or open (the filter is skipped). */
export type FailStrategy = "FAIL_CLOSE" | "FAIL_OPEN";

/** Istio `imagePullPolicy`; `undefined` = unspecified (IfNotPresent, except `:latest` → Always). */
export type PullPolicy = "IfNotPresent" | "Always";

/** Istio `EnvoyFilter` match context (also ASM's `patchContext`). */
export type PatchContext = "ANY" | "SIDECAR_INBOUND" | "SIDECAR_OUTBOUND" | "GATEWAY";

/** Where the module comes from, after resolution. */
export type ModuleSource = ImageSource | FileSource;

/** A module pushed to an OCI registry. */
export interface ImageSource {
  type: "image";
  /** The reference as the cluster should pull it, without a scheme: `registry.example.com/wasm/add-header:v1`. */
  reference: string;
  /** Manifest digest `sha256:<64 hex>` (what Istio compares `spec.sha256` with for `oci://` URLs), when known. */
  digest?: string;
}

/** A module on the local disk. */
export interface FileSource {
  type: "file";
  /** Absolute path on this machine. */
  path: string;
  /** The module bytes (embedded in ConfigMaps). */
  bytes: Uint8Array;
  /** Hex sha256 of the bytes (Istio's `sha256` for `file://` and `http(s)://` URLs). */
  sha256: string;
  /**
   * Where the module is served from over HTTP(S), if it is (WasmPlugin only); then nothing is mounted and
   * `sha256` lets the agent verify the download.
   */
  url?: string;
}

/**
 * Plugin configuration, passed to `proxy_on_configure`. A JSON object keeps its text exactly as given
 * (`text`, what string fields carry) besides its parsed `value` (what structured fields carry).
 */
export type PluginConfig =
  | { type: "json"; value: Record<string, unknown>; text: string }
  | { type: "string"; value: string };

/** The resolved input every generator receives. All fields are validated. */
export interface ManifestInput {
  /** Base name of the generated resources (DNS-1123 subdomain). */
  name: string;
  /** Kubernetes namespace of the generated resources. */
  namespace: string;
  /** Root context id the filter registers (`pluginName` in WasmPlugin). */
  rootId: string;
  /** True when the root id was given (flag or example name) rather than derived from a file/repository name. */
  rootIdExplicit: boolean;
  source: ModuleSource;
  config?: PluginConfig;
  /** Workload selector labels (empty only with `allWorkloads`, where the kind allows that). */
  selector: Record<string, string>;
  phase?: Phase;
  failStrategy: FailStrategy;
  pullSecret?: string;
  pullPolicy?: PullPolicy;
  /** Envoy `vm_config.vm_id`. */
  vmId: string;
  /** EnvoyFilter `match.context` / ASM `patchContext`. */
  context: PatchContext;
  /** Deployment to patch with the volume annotations; absent = the Deployments whose pod template has the selector's labels. */
  workload?: string;
  /** An empty selector was meant: the resource applies to every workload of the namespace. */
  allWorkloads: boolean;
  /** Path the proxy reads the module from (file sources). */
  modulePath: string;
  /** Envoy bootstrap only. */
  envoy: EnvoyOptions;
}

export interface EnvoyOptions {
  listenAddress: string;
  listenPort: number;
  upstreamHost: string;
  upstreamPort: number;
  /** Admin interface port on 127.0.0.1; absent = no admin listener. */
  adminPort?: number;
}

/** A Kubernetes object (or, for the `envoy` kind, the Envoy bootstrap), as plain data. */
export type ManifestDocument = Record<string, unknown> & { kind?: string };

/** A volume of the pod (`sidecar.istio.io/userVolume` entry) holding the module's ConfigMap. */
export interface ModuleVolume {
  name: string;
  configMap: { name: string };
}

/** Its mount in the istio-proxy container (`sidecar.istio.io/userVolumeMount` entry). */
export interface ModuleVolumeMount {
  name: string;
  mountPath: string;
  readOnly: true;
}

/** Which Deployments a patch changes. */
export interface PatchTarget {
  kind: "Deployment";
  namespace: string;
  /** One Deployment by name (`workload`) ... */
  name?: string;
  /** ... or those whose pod template carries these labels; empty (with no name) = every one in the namespace. */
  labels: Record<string, string>;
}

/**
 * A change to existing workloads: add one filter's volume and mount to the pod template annotations,
 * keeping every entry already there (a strategic-merge patch would replace the whole annotation string).
 * `command` applies it with kubectl and node (`addModuleVolume` below is the program it runs).
 */
export interface WorkloadPatch {
  target: PatchTarget;
  volume: ModuleVolume;
  volumeMount: ModuleVolumeMount;
  /** A one-line shell command (bash) that applies it. */
  command: string;
  /** The same as a readable bash script (what `--out` writes). */
  script: string;
  /** Whose pods restart, in words. */
  restarts: string;
}

/** What a generator returns. */
export interface ManifestSet {
  /** Objects to `kubectl apply` (or the Envoy bootstrap). */
  documents: ManifestDocument[];
  /** Patches of existing workloads. */
  patches: WorkloadPatch[];
  /** Short human notes (printed as YAML comments / included in JSON). */
  notes: string[];
}

/** Names and type URLs Envoy knows the Wasm HTTP filter by. */
export const WASM_FILTER_NAME = "envoy.filters.http.wasm";
export const WASM_FILTER_TYPE = "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm";
export const WASM_RUNTIME_V8 = "envoy.wasm.runtime.v8";
export const STRING_VALUE_TYPE = "type.googleapis.com/google.protobuf.StringValue";
export const HCM_FILTER_NAME = "envoy.filters.network.http_connection_manager";
export const HCM_FILTER_TYPE =
  "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
export const ROUTER_FILTER_NAME = "envoy.filters.http.router";
export const ROUTER_FILTER_TYPE = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";

/**
 * Directory under which each filter's ConfigMap gets a directory of its own in the istio-proxy container
 * (the seed articles mount one filter at this directory itself).
 */
export const DEFAULT_MOUNT_DIR = "/var/local/lib/wasm-filters";
/** Kubernetes refuses ConfigMaps whose data + binaryData (keys and values) exceed 1 MiB. */
export const CONFIGMAP_MAX_BYTES = 1024 * 1024;
