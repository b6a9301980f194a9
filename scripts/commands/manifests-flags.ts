/**
 * The flags of `proxy-wasm manifests`, one table (see flags.ts): each key is the name the manifests
 * library's option object (ManifestOptions) uses, each parse turns the text into the typed value the
 * library wants and carries the flag's own validation message.
 */
import { UsageError } from "../cli-errors.ts";
import { DEFAULT_LISTEN_PORT, DEFAULT_NAMESPACE, DEFAULT_UPSTREAM, type HostPort } from "../manifests/options.ts";
import { DEFAULT_MOUNT_DIR, type FailStrategy, type PatchContext, type Phase, type PullPolicy } from "../manifests/types.ts";
import { parseUpstreamAddress } from "../upstream-address.ts";
import { defineFlags, quoted, readFlagFile } from "./flags.ts";

/** A lenient enum: case-insensitive, '-' as '_', with aliases; `undefined` values mean "unspecified". */
function oneOf<T extends string>(choices: Record<string, T | undefined>): (raw: string, flag: string) => T | undefined {
  return (raw, flag) => {
    const key = raw.trim().toUpperCase().replace(/-/g, "_");
    if (key in choices) return choices[key];
    throw new UsageError(`invalid ${flag} ${quoted(raw)}: expected one of ${Object.keys(choices).join(", ")}`);
  };
}

const parsePhase = oneOf<Phase>({ AUTHN: "AUTHN", AUTHZ: "AUTHZ", STATS: "STATS", UNSPECIFIED: undefined, UNSPECIFIED_PHASE: undefined });
const parseFailStrategy = oneOf<FailStrategy>({ FAIL_CLOSE: "FAIL_CLOSE", FAIL_OPEN: "FAIL_OPEN", CLOSE: "FAIL_CLOSE", OPEN: "FAIL_OPEN" });
const parsePullPolicy = oneOf<PullPolicy>({ IFNOTPRESENT: "IfNotPresent", ALWAYS: "Always" });
const parseContext = oneOf<PatchContext>({
  SIDECAR_INBOUND: "SIDECAR_INBOUND",
  SIDECAR_OUTBOUND: "SIDECAR_OUTBOUND",
  GATEWAY: "GATEWAY",
  ANY: "ANY",
});

function parsePort(raw: string, flag: string): number {
  const port = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`invalid ${flag} ${quoted(raw)}: a port number 1-65535`);
  return port;
}

/** `http://host:port` or `host:port` (the parser `run --upstream` uses too); Envoy's cluster here is plain HTTP. */
function parseUpstream(raw: string, flag: string): HostPort {
  const address = parseUpstreamAddress(flag, raw, { schemes: ["http:"], path: false });
  if (address.credentials !== null) throw new UsageError(`${flag}: the Envoy bootstrap has no upstream credentials; leave user:password@ out`);
  return { host: address.host, port: address.port };
}

/** `k=v` or `k1=v1,k2=v2` (the label syntax itself is checked by the library). */
function parseLabels(raw: string, flag: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const item of raw.split(",")) {
    const pair = item.trim();
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`invalid ${flag} ${quoted(pair)}: expected key=value (e.g. app=productpage)`);
    labels[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return labels;
}

/** `--config`: the text itself, or `@file` for a file's content. */
function readConfig(raw: string, flag: string): string {
  return raw.startsWith("@") ? readFlagFile(`${flag} @file`, raw.slice(1)) : raw;
}

export const SOURCE = "Module source (one of)";
export const OPTIONS = "Options (each kind refuses options it cannot express)";
export const OUTPUT = "Output";

export const manifestsFlags = defineFlags({
  wasm: {
    type: "string",
    value: "<file>",
    section: SOURCE,
    help: "a local .wasm; its sha256 fills WasmPlugin.sha256",
  },
  image: {
    type: "string",
    value: "<reference>",
    section: SOURCE,
    help: [
      "a pushed image, registry/repository:tag[@sha256:...]; it is fetched to check that the target",
      "loads its format (push --help lists which), to read its root ids and to run the configuration",
    ],
  },
  url: {
    type: "string",
    value: "<http(s)://...>",
    section: SOURCE,
    help: "with --wasm: the http(s) URL the file is served from (no ConfigMap)",
  },
  digest: {
    type: "string",
    value: "<sha256:...>",
    section: SOURCE,
    help: [
      "with --image: its manifest digest (WasmPlugin sha256); the registry is then not asked, so",
      "nothing about the artifact is checked (works offline)",
    ],
  },
  plainHttp: {
    type: "boolean",
    section: SOURCE,
    help: "fetch the image over http:// (default: only for localhost/127.0.0.0/8)",
  },
  username: {
    type: "string",
    short: "u",
    value: "<name>",
    section: SOURCE,
    help: "registry user for fetching the image, with --password-stdin (otherwise Docker's config.json)",
  },
  passwordStdin: {
    type: "boolean",
    section: SOURCE,
    help: "read that user's password or token from standard input",
  },
  name: {
    type: "string",
    value: "<name>",
    section: OPTIONS,
    help: "resource name (default: example, file or repository name, Kubernetes-safe)",
  },
  namespace: { type: "string", short: "n", value: "<ns>", section: OPTIONS, help: `namespace (default: ${DEFAULT_NAMESPACE})` },
  rootId: {
    type: "string",
    value: "<id>",
    section: OPTIONS,
    help: [
      "root context id / WasmPlugin pluginName (default: the one the image's runtime config records,",
      "else the name with '-' → '_'); must be one the image records; required when it records several",
    ],
  },
  config: {
    parse: readConfig,
    type: "string",
    value: "<value|@file>",
    section: OPTIONS,
    help: [
      "plugin configuration; a JSON object stays structured where the format allows",
      "(WasmPlugin pluginConfig, which requires an object), everywhere else it is passed",
      "as a string (Envoy: google.protobuf.StringValue configuration)",
    ],
  },
  selector: {
    type: "string",
    short: "l",
    value: "<k=v>",
    multiple: true,
    parse: parseLabels,
    section: OPTIONS,
    help: [
      "the workloads' pod labels (repeatable, or k1=v1,k2=v2); the patch of a mounted module selects",
      "Deployments by their pod template's labels. Required, except with --all-workloads",
    ],
  },
  allWorkloads: {
    type: "boolean",
    section: OPTIONS,
    help: [
      "no selector: the resource applies to every workload in the namespace (and a mounted",
      "module's patch restarts every Deployment there)",
    ],
  },
  phase: {
    parse: parsePhase,
    type: "string",
    value: "<phase>",
    section: OPTIONS,
    help: [
      "AUTHN | AUTHZ | STATS | UNSPECIFIED (default: unspecified = Istio inserts the",
      "plugin just before the router, where the other kinds put it too)",
    ],
  },
  failStrategy: {
    parse: parseFailStrategy,
    type: "string",
    value: "<s>",
    section: OPTIONS,
    help: [
      "FAIL_CLOSE | FAIL_OPEN (default: FAIL_CLOSE, Istio's and Envoy's default):",
      "WasmPlugin failStrategy, Envoy fail_open",
    ],
  },
  pullSecret: {
    type: "string",
    value: "<name>",
    section: OPTIONS,
    help: [
      "the Secret with the registry's credentials: WasmPlugin imagePullSecret (dockerconfigjson,",
      "in the namespace), wasme imagePullOptions.pullSecret; asm reads only istio-system/asmwasm-cache",
    ],
  },
  pullPolicy: {
    parse: parsePullPolicy,
    type: "string",
    value: "<policy>",
    section: OPTIONS,
    help: [
      "WasmPlugin imagePullPolicy IfNotPresent | Always (default: unset = IfNotPresent,",
      "Always for :latest)",
    ],
  },
  vmId: { type: "string", value: "<id>", section: OPTIONS, help: "Envoy vm_config.vm_id (default: the name)" },
  context: {
    parse: parseContext,
    type: "string",
    value: "<ctx>",
    section: OPTIONS,
    help: [
      "EnvoyFilter match context / ASM patchContext: SIDECAR_INBOUND (default) |",
      "SIDECAR_OUTBOUND | GATEWAY | ANY (the wasme operator always uses SIDECAR_INBOUND)",
    ],
  },
  workload: {
    type: "string",
    value: "<deployment>",
    section: OPTIONS,
    help: [
      "the one Deployment to patch with the module's volume (default: the Deployments whose pod",
      "template carries the --selector labels)",
    ],
  },
  modulePath: {
    type: "string",
    value: "<path>",
    section: OPTIONS,
    help: [
      "where the proxy reads the module: for ConfigMap mounts a directory of the filter's own,",
      `${DEFAULT_MOUNT_DIR}/<name>/<file>.wasm (default; not in a system directory), for envoy`,
      "the local file's absolute path",
    ],
  },
  upstream: {
    parse: parseUpstream,
    type: "string",
    value: "<url>",
    section: OPTIONS,
    help: `the upstream cluster, http://host:port or host:port (default: ${DEFAULT_UPSTREAM.host}:${DEFAULT_UPSTREAM.port})`,
  },
  listenPort: {
    parse: parsePort,
    type: "string",
    value: "<port>",
    section: OPTIONS,
    help: `the listener port on 0.0.0.0 (default: ${DEFAULT_LISTEN_PORT})`,
  },
  adminPort: {
    parse: parsePort,
    type: "string",
    value: "<port>",
    section: OPTIONS,
    help: "an admin interface on 127.0.0.1:<port> (default: none; not the listener's port)",
  },
  verifyConfig: {
    type: "boolean",
    negatable: true,
    section: OPTIONS,
    help: [
      "run the module (file, example or fetched image) with --config in the emulator first, and refuse",
      "when onConfigure returns false or the VM fails, with the filter's own log line (default: on)",
    ],
  },
  out: {
    type: "string",
    short: "o",
    value: "<dir>",
    section: OUTPUT,
    help: [
      "write <kind>-<name>.yaml per document (envoy.yaml for envoy) and a script",
      "patches/deployment-<target>.sh per workload patch, all or none; print the paths",
    ],
  },
  json: { type: "boolean", section: OUTPUT, help: 'print {"documents": [...], "patches": [...], "notes": [...]}' },
});

