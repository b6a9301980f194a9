/**
 * Validating the option object for one kind and filling in the defaults: `ManifestOptions` plus the
 * resolved module source in, the generators' `ManifestInput` out. Every problem is one ManifestError.
 */
import { isAbsolute, posix } from "node:path";
import { ManifestError, quote } from "./errors.ts";
import {
  DEFAULT_CONTEXT,
  DEFAULT_FAIL_STRATEGY,
  DEFAULT_LISTEN_PORT,
  DEFAULT_NAMESPACE,
  DEFAULT_UPSTREAM,
  type ManifestOptions,
  type OptionName,
} from "./options.ts";
import { DEFAULT_MOUNT_DIR, type ManifestInput, type ManifestKind, type ModuleSource, type PluginConfig } from "./types.ts";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const CONFIGMAP_KEY = /^[-._a-zA-Z0-9]+$/;

export function checkNamespace(value: string): string {
  if (value.length > 63 || !DNS1123_LABEL.test(value)) {
    throw new ManifestError((n) => `invalid ${n("namespace")} ${quote(value)}: lowercase letters, digits and '-', at most 63 characters`);
  }
  return value;
}

/** Kubernetes object names (DNS-1123 subdomain). */
export function checkResourceName(value: string, option: OptionName): string {
  if (value.length > 253 || !DNS1123_SUBDOMAIN.test(value)) {
    throw new ManifestError(
      (n) => `invalid ${n(option)} ${quote(value)}: a Kubernetes name (lowercase letters, digits, '-' and '.', at most 253 characters)`,
    );
  }
  return value;
}

/** Makes a Kubernetes name out of a file or repository name (`Add_Header.v2` → `add-header.v2`). */
export function toResourceName(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "")
    .slice(0, 253);
}

/** Workload labels, checked like Kubernetes checks them (no wildcards). */
export function checkSelector(labels: Record<string, string>): Record<string, string> {
  for (const [key, value] of Object.entries(labels)) {
    const slash = key.lastIndexOf("/");
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    const prefixOk = prefix === undefined || (prefix.length <= 253 && DNS1123_SUBDOMAIN.test(prefix));
    if (!prefixOk || name.length > 63 || !LABEL_NAME.test(name)) {
      throw new ManifestError((n) => `invalid ${n("selector")} label key ${quote(key)} (wildcards are not allowed)`);
    }
    if (value.length > 63 || (value !== "" && !LABEL_NAME.test(value))) {
      throw new ManifestError(
        (n) =>
          `invalid ${n("selector")} value ${quote(value)} for ${quote(key)}: letters, digits, '-', '_' and '.', ` +
          "at most 63 characters, no wildcards",
      );
    }
  }
  return { ...labels };
}

/** The plugin configuration: a JSON object becomes structured config, anything else is passed as a string. */
export function parseConfig(text: string): PluginConfig {
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw new ManifestError((n) => `${n("config")} looks like a JSON object but does not parse: ${(error as Error).message}`);
    }
    return { type: "json", value: parsed as Record<string, unknown>, text: trimmed };
  }
  return { type: "string", value: text };
}

function checkPort(option: OptionName, port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ManifestError((n) => `invalid ${n(option)} ${port}: a port number 1-65535`);
  }
  return port;
}

function checkRootId(value: string): string {
  if (value.length === 0 || value.length > 256 || /[\s\p{Cc}]/u.test(value)) {
    throw new ManifestError((n) => `invalid ${n("rootId")} ${quote(value)}: 1-256 characters, no spaces`);
  }
  return value;
}

/**
 * Where a ConfigMap must not be mounted in the istio-proxy container: over a system directory itself (it
 * would hide everything in it), or anywhere inside the trees the proxy and the system run from (binaries,
 * libraries, kernel interfaces, the proxy's configuration, certificates and runtime state).
 */
const SYSTEM_DIRECTORIES = ["/", "/etc", "/var", "/var/lib", "/var/run", "/run", "/root", "/home", "/tmp", "/opt", "/srv"];
const SYSTEM_TREES = [
  "/bin", "/boot", "/dev", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/sbin", "/sys", "/usr",
  "/etc/istio", "/etc/certs", "/etc/ssl", "/etc/pki", "/var/run/secrets", "/run/secrets", "/var/lib/istio",
];

function isSystemDirectory(dir: string): boolean {
  return SYSTEM_DIRECTORIES.includes(dir) || SYSTEM_TREES.some((tree) => dir === tree || dir.startsWith(`${tree}/`));
}

/** Module path inside the proxy container for a ConfigMap-mounted module, checked after normalising. */
function checkMountedModulePath(value: string): string {
  const path = posix.normalize(value);
  const base = posix.basename(path);
  const dir = posix.dirname(path);
  const problem =
    !posix.isAbsolute(path) || !/^[A-Za-z0-9._/-]+$/.test(path) || base.length > 253 || !CONFIGMAP_KEY.test(base) || base === ".." || base === "."
      ? `an absolute path of a file below a directory, e.g. ${DEFAULT_MOUNT_DIR}/filter.wasm`
      : isSystemDirectory(dir)
        ? `${dir} is a system directory of the proxy container; use a directory of its own, e.g. ${DEFAULT_MOUNT_DIR}`
        : undefined;
  if (problem !== undefined) {
    const shown = path === value ? quote(value) : `${quote(value)} (${quote(path)})`;
    throw new ManifestError((n) => `invalid ${n("modulePath")} ${shown}: ${problem}`);
  }
  return path;
}

/** Default base name for resources and root id, from what identifies the module. */
export interface SourceNames {
  /** Example name, file base name or repository's last segment. */
  base: string;
  /** Whether `base` came from an example name (then the root id default is explicit). */
  fromExample: boolean;
}

/**
 * The root id: the one given (which must be among the ids the artifact records, when it records any),
 * else the artifact's only one, else the name with '-' → '_'. Several recorded ids need a choice.
 */
function chooseRootId(given: string | undefined, recorded: readonly string[], names: SourceNames): { rootId: string; explicit: boolean } {
  if (given !== undefined) {
    if (recorded.length > 0 && !recorded.includes(given)) {
      throw new ManifestError(
        (n) => `${n("rootId")} ${quote(given)} is not a root id the artifact records (${recorded.map(quote).join(", ")})`,
      );
    }
    return { rootId: checkRootId(given), explicit: true };
  }
  if (recorded.length === 1) return { rootId: checkRootId(recorded[0]!), explicit: true };
  if (recorded.length > 1) {
    throw new ManifestError((n) => `the artifact records several root ids (${recorded.map(quote).join(", ")}); choose one with ${n("rootId")}`);
  }
  return { rootId: checkRootId(names.base.replace(/-/g, "_")), explicit: names.fromExample };
}

/**
 * Builds the generator input; `source` is already resolved (see source.ts), `recordedRootIds` are the
 * root ids a pushed artifact's runtime config records (none for a local file).
 */
export function buildInput(
  kind: ManifestKind,
  options: ManifestOptions,
  source: ModuleSource,
  names: SourceNames,
  recordedRootIds: readonly string[] = [],
): ManifestInput {
  const name = options.name !== undefined ? checkResourceName(options.name, "name") : defaultName(names.base);
  const namespace = checkNamespace(options.namespace ?? DEFAULT_NAMESPACE);
  const { rootId, explicit: rootIdExplicit } = chooseRootId(options.rootId, recordedRootIds, names);
  const workload = options.workload !== undefined ? checkResourceName(options.workload, "workload") : undefined;

  let modulePath: string;
  if (source.type === "file" && kind === "envoy") {
    modulePath = options.modulePath ?? source.path;
    if (!isAbsolute(modulePath)) throw new ManifestError((n) => `invalid ${n("modulePath")} ${quote(modulePath)}: must be absolute`);
  } else {
    const fileName = source.type === "file" ? posix.basename(source.path.replace(/\\/g, "/")) : `${name}.wasm`;
    const defaultFile = CONFIGMAP_KEY.test(fileName) ? fileName : `${name}.wasm`;
    modulePath = checkMountedModulePath(options.modulePath ?? `${DEFAULT_MOUNT_DIR}/${name}/${defaultFile}`);
  }

  const upstream = options.upstream ?? DEFAULT_UPSTREAM;
  const listenPort = checkPort("listenPort", options.listenPort ?? DEFAULT_LISTEN_PORT);
  if (options.adminPort !== undefined && checkPort("adminPort", options.adminPort) === listenPort) {
    throw new ManifestError((n) => `${n("adminPort")} ${listenPort} is the listener's port too (${n("listenPort")}); Envoy cannot bind both`);
  }
  return {
    name,
    namespace,
    rootId,
    rootIdExplicit,
    source,
    config: options.config !== undefined ? parseConfig(options.config) : undefined,
    selector: checkSelector(options.selector ?? {}),
    phase: options.phase,
    failStrategy: options.failStrategy ?? DEFAULT_FAIL_STRATEGY,
    pullSecret: options.pullSecret !== undefined ? checkResourceName(options.pullSecret, "pullSecret") : undefined,
    pullPolicy: options.pullPolicy,
    vmId: options.vmId ?? name,
    context: options.context ?? DEFAULT_CONTEXT,
    ...(workload !== undefined ? { workload } : {}),
    allWorkloads: options.allWorkloads ?? false,
    modulePath,
    envoy: {
      listenAddress: "0.0.0.0",
      listenPort,
      upstreamHost: upstream.host,
      upstreamPort: checkPort("upstream", upstream.port),
      ...(options.adminPort !== undefined ? { adminPort: options.adminPort } : {}),
    },
  };
}

function defaultName(base: string): string {
  const name = toResourceName(base);
  if (name === "" || !DNS1123_SUBDOMAIN.test(name)) {
    throw new ManifestError((n) => `cannot make a resource name out of ${quote(base)}; give ${n("name")}`);
  }
  return name;
}
