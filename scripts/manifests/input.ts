/**
 * Shared input handling: turns the raw option strings of `manifests <kind>` plus a resolved module source
 * into a validated `ManifestInput`. Every problem is one readable `UsageError` line.
 */
import { isAbsolute, posix } from "node:path";
import { readFileSync } from "node:fs";
import { UsageError } from "../cli-errors.ts";
import {
  DEFAULT_MOUNT_DIR,
  type FailStrategy,
  type ManifestInput,
  type ManifestKind,
  type ModuleSource,
  type PatchContext,
  type Phase,
  type PluginConfig,
  type PullPolicy,
} from "./types.ts";

/** The flags of `manifests`, as strings (what `util.parseArgs` gives). */
export interface RawOptions {
  example?: string;
  image?: string;
  wasm?: string;
  url?: string;
  digest?: string;
  name?: string;
  namespace?: string;
  rootId?: string;
  config?: string;
  selector?: string[];
  phase?: string;
  failStrategy?: string;
  pullSecret?: string;
  pullPolicy?: string;
  vmId?: string;
  context?: string;
  workload?: string;
  modulePath?: string;
  upstream?: string;
  listenPort?: string;
  adminPort?: string;
}

export const DEFAULT_NAMESPACE = "default";
export const DEFAULT_FAIL_STRATEGY: FailStrategy = "FAIL_CLOSE";
export const DEFAULT_CONTEXT: PatchContext = "SIDECAR_INBOUND";
export const DEFAULT_UPSTREAM = "127.0.0.1:8080";
export const DEFAULT_LISTEN_PORT = 10000;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const CONFIGMAP_KEY = /^[-._a-zA-Z0-9]+$/;

export function checkNamespace(value: string): string {
  if (value.length > 63 || !DNS1123_LABEL.test(value)) {
    throw new UsageError(`invalid --namespace "${value}": lowercase letters, digits and '-', at most 63 characters`);
  }
  return value;
}

/** Kubernetes object names (DNS-1123 subdomain). */
export function checkResourceName(value: string, flag: string): string {
  if (value.length > 253 || !DNS1123_SUBDOMAIN.test(value)) {
    throw new UsageError(
      `invalid ${flag} "${value}": a Kubernetes name (lowercase letters, digits, '-' and '.', at most 253 characters)`,
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

/** Parses `--selector k=v` (repeatable, each may hold `k1=v1,k2=v2`) into labels, validated like Kubernetes. */
export function parseSelector(values: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const value of values) {
    for (const item of value.split(",")) {
      const pair = item.trim();
      if (pair === "") continue;
      const eq = pair.indexOf("=");
      if (eq <= 0) throw new UsageError(`invalid --selector "${pair}": expected key=value (e.g. app=productpage)`);
      const key = pair.slice(0, eq).trim();
      const val = pair.slice(eq + 1).trim();
      checkLabelKey(key);
      checkLabelValue(key, val);
      if (key in labels && labels[key] !== val) {
        throw new UsageError(`--selector gives "${key}" twice with different values ("${labels[key]}", "${val}")`);
      }
      labels[key] = val;
    }
  }
  return labels;
}

function checkLabelKey(key: string): void {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const prefixOk = prefix === undefined || (prefix.length <= 253 && DNS1123_SUBDOMAIN.test(prefix));
  if (!prefixOk || name.length > 63 || !LABEL_NAME.test(name)) {
    throw new UsageError(`invalid --selector label key "${key}" (wildcards are not allowed)`);
  }
}

function checkLabelValue(key: string, value: string): void {
  if (value.length > 63 || (value !== "" && !LABEL_NAME.test(value))) {
    throw new UsageError(
      `invalid --selector value "${value}" for "${key}": letters, digits, '-', '_' and '.', at most 63 characters, ` +
        "no wildcards",
    );
  }
}

/** `--config`: a JSON object becomes structured config, anything else is passed as a string; `@file` reads a file. */
export function parseConfig(raw: string): PluginConfig {
  let text = raw;
  if (raw.startsWith("@")) {
    const path = raw.slice(1);
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      throw new UsageError(`cannot read --config file ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
    }
  }
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw new UsageError(`--config looks like a JSON object but does not parse: ${(error as Error).message}`);
    }
    return { type: "json", value: parsed as Record<string, unknown> };
  }
  return { type: "string", value: text };
}

function parseEnum<T extends string>(flag: string, raw: string, choices: Record<string, T | undefined>): T | undefined {
  const key = raw.trim().toUpperCase().replace(/-/g, "_");
  if (key in choices) return choices[key];
  const names = [...new Set(Object.keys(choices).filter((k) => /^[A-Z]/.test(k)))];
  throw new UsageError(`invalid ${flag} "${raw}": expected one of ${names.join(", ")}`);
}

export function parsePhase(raw: string): Phase | undefined {
  return parseEnum<Phase>("--phase", raw, {
    AUTHN: "AUTHN",
    AUTHZ: "AUTHZ",
    STATS: "STATS",
    UNSPECIFIED: undefined,
    UNSPECIFIED_PHASE: undefined,
  });
}

export function parseFailStrategy(raw: string): FailStrategy {
  return parseEnum<FailStrategy>("--fail-strategy", raw, {
    FAIL_CLOSE: "FAIL_CLOSE",
    FAIL_OPEN: "FAIL_OPEN",
    CLOSE: "FAIL_CLOSE",
    OPEN: "FAIL_OPEN",
  })!;
}

export function parsePullPolicy(raw: string): PullPolicy {
  return parseEnum<PullPolicy>("--pull-policy", raw, { IFNOTPRESENT: "IfNotPresent", ALWAYS: "Always" })!;
}

export function parseContext(raw: string): PatchContext {
  return parseEnum<PatchContext>("--context", raw, {
    ANY: "ANY",
    SIDECAR_INBOUND: "SIDECAR_INBOUND",
    SIDECAR_OUTBOUND: "SIDECAR_OUTBOUND",
    GATEWAY: "GATEWAY",
  })!;
}

export function parsePort(flag: string, raw: string): number {
  const port = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`invalid ${flag} "${raw}": a port number 1-65535`);
  }
  return port;
}

/** `host:port`, `[v6]:port`. */
export function parseHostPort(flag: string, raw: string): { host: string; port: number } {
  const match = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(raw) ?? /^([A-Za-z0-9.-]+):(\d+)$/.exec(raw);
  if (!match) throw new UsageError(`invalid ${flag} "${raw}": expected host:port (e.g. 127.0.0.1:8080)`);
  return { host: match[1]!, port: parsePort(flag, match[2]!) };
}

function checkRootId(value: string): string {
  if (value.length === 0 || value.length > 256 || /[\s\p{Cc}]/u.test(value)) {
    throw new UsageError(`invalid --root-id "${value}": 1-256 characters, no spaces`);
  }
  return value;
}

/** Module path inside the proxy container for a ConfigMap-mounted module. */
function checkMountedModulePath(value: string): string {
  const base = posix.basename(value);
  if (
    !posix.isAbsolute(value) ||
    !/^[A-Za-z0-9._/-]+$/.test(value) ||
    posix.dirname(value) === "/" ||
    base.length > 253 ||
    !CONFIGMAP_KEY.test(base)
  ) {
    throw new UsageError(
      `invalid --module-path "${value}": an absolute path below a directory, e.g. ${DEFAULT_MOUNT_DIR}/filter.wasm`,
    );
  }
  return posix.normalize(value);
}

/** Default base name for resources and root id, from what identifies the module. */
export interface SourceNames {
  /** Example name, file base name or repository's last segment. */
  base: string;
  /** Whether `base` came from an example name (then the root id default is explicit). */
  fromExample: boolean;
}

/** Builds the generator input; `source` is already resolved (see source.ts). */
export function buildInput(kind: ManifestKind, raw: RawOptions, source: ModuleSource, names: SourceNames): ManifestInput {
  const name = raw.name !== undefined ? checkResourceName(raw.name, "--name") : defaultName(names.base);
  const namespace = checkNamespace(raw.namespace ?? DEFAULT_NAMESPACE);
  const rootId = checkRootId(raw.rootId ?? names.base.replace(/-/g, "_"));
  const rootIdExplicit = raw.rootId !== undefined || names.fromExample;
  const workload = raw.workload !== undefined ? checkResourceName(raw.workload, "--workload") : undefined;

  let modulePath: string;
  if (source.type === "file" && kind === "envoy") {
    modulePath = raw.modulePath ?? source.path;
    if (!isAbsolute(modulePath)) throw new UsageError(`invalid --module-path "${modulePath}": must be absolute`);
  } else {
    const fileName = source.type === "file" ? posix.basename(source.path.replace(/\\/g, "/")) : `${name}.wasm`;
    const defaultFile = CONFIGMAP_KEY.test(fileName) ? fileName : `${name}.wasm`;
    modulePath = checkMountedModulePath(raw.modulePath ?? `${DEFAULT_MOUNT_DIR}/${defaultFile}`);
  }

  const upstream = parseHostPort("--upstream", raw.upstream ?? DEFAULT_UPSTREAM);
  return {
    name,
    namespace,
    rootId,
    rootIdExplicit,
    source,
    config: raw.config !== undefined ? parseConfig(raw.config) : undefined,
    selector: parseSelector(raw.selector ?? []),
    phase: raw.phase !== undefined ? parsePhase(raw.phase) : undefined,
    failStrategy: raw.failStrategy !== undefined ? parseFailStrategy(raw.failStrategy) : DEFAULT_FAIL_STRATEGY,
    pullSecret: raw.pullSecret !== undefined ? checkResourceName(raw.pullSecret, "--pull-secret") : undefined,
    pullPolicy: raw.pullPolicy !== undefined ? parsePullPolicy(raw.pullPolicy) : undefined,
    vmId: raw.vmId ?? name,
    context: raw.context !== undefined ? parseContext(raw.context) : DEFAULT_CONTEXT,
    ...(workload !== undefined ? { workload } : {}),
    modulePath,
    envoy: {
      listenAddress: "0.0.0.0",
      listenPort: raw.listenPort !== undefined ? parsePort("--listen-port", raw.listenPort) : DEFAULT_LISTEN_PORT,
      upstreamHost: upstream.host,
      upstreamPort: upstream.port,
      ...(raw.adminPort !== undefined ? { adminPort: parsePort("--admin-port", raw.adminPort) } : {}),
    },
  };
}

function defaultName(base: string): string {
  const name = toResourceName(base);
  if (name === "" || !DNS1123_SUBDOMAIN.test(name)) {
    throw new UsageError(`cannot make a resource name out of "${base}"; give --name`);
  }
  return name;
}
