/**
 * Options of `proxy-wasm run`: which module, which upstream, where to listen, the plugin's configuration
 * and the clusters its callouts may reach. Parsing is pure (no sockets): it reads the module and the
 * configuration file and refuses bad input with a UsageError before anything listens.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { isIP } from "node:net";
import { basename, join, resolve } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "../cli-errors.ts";
import { LOG_LEVELS, type LogLevelName } from "../host/index.ts";
import { packageExampleModule } from "../build/package-examples.ts";

export const DEFAULT_LISTEN = "127.0.0.1:8080";

export interface ListenAddress {
  host: string;
  port: number;
}

export interface RunOptions {
  /** Path of the module (for messages) and its bytes. */
  wasmPath: string;
  wasm: Uint8Array;
  /** Display name: the example or file name without `.wasm`. */
  name: string;
  rootId: string;
  upstream: URL;
  listen: ListenAddress;
  pluginConfiguration: string;
  vmConfiguration: string;
  /** Cluster name → base URL its callouts are sent to. */
  clusters: Map<string, URL>;
  failOpen: boolean;
  logLevel: LogLevelName;
  trace: boolean;
}

/** `add-header` → `add_header` (Envoy root ids of the examples). */
export function rootIdFor(name: string): string {
  return name.replace(/-/g, "_");
}

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(host: string): boolean {
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1" || host === "0:0:0:0:0:0:0:1";
}

/** `host:port`, `:port`, `port` or `[::1]:port`. */
export function parseListen(spec: string, allowRemote = false): ListenAddress {
  let host = "127.0.0.1";
  let portText = spec;
  const bracket = /^\[([^\]]+)\]:(\d+)$/.exec(spec);
  if (bracket) {
    host = bracket[1]!;
    portText = bracket[2]!;
  } else if (spec.includes(":")) {
    const at = spec.lastIndexOf(":");
    host = spec.slice(0, at) || host;
    portText = spec.slice(at + 1);
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new UsageError(`--listen: "${spec}" is not host:port (port 0-65535)`);
  if (!allowRemote && !isLoopbackHost(host)) {
    throw new UsageError(`--listen: ${host} is not a loopback address; the proxy listens on 127.0.0.1 unless --allow-remote`);
  }
  return { host, port };
}

function parseHttpUrl(flag: string, spec: string): URL {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new UsageError(`${flag}: "${spec}" is not a URL (expected http://host:port)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`${flag}: "${spec}" must be an http:// or https:// URL`);
  if (url.search || url.hash) throw new UsageError(`${flag}: "${spec}" must not have a query or fragment`);
  return url;
}

/** `name=http://127.0.0.1:PORT` (repeatable). */
export function parseClusters(specs: readonly string[]): Map<string, URL> {
  const clusters = new Map<string, URL>();
  for (const spec of specs) {
    const at = spec.indexOf("=");
    if (at <= 0) throw new UsageError(`--cluster: "${spec}" is not name=http://host:port`);
    const name = spec.slice(0, at);
    if (clusters.has(name)) throw new UsageError(`--cluster: ${name} is given twice`);
    clusters.set(name, parseHttpUrl(`--cluster ${name}`, spec.slice(at + 1)));
  }
  return clusters;
}

/**
 * The module a spec names: a `.wasm` file, or a filter name meaning `build/<name>.wasm` (an example under
 * examples/ or a filter under filters/, built by `proxy-wasm build`).
 */
export function resolveModule(spec: string, cwd: string): { path: string; name: string } {
  const direct = resolve(cwd, spec);
  const looksLikePath = spec.endsWith(".wasm") || spec.includes("/") || spec.includes("\\");
  if (existsSync(direct) && statSync(direct).isFile()) return { path: direct, name: basename(direct).replace(/(\.debug)?\.wasm$/, "") };
  if (looksLikePath) throw new UsageError(`cannot read ${spec}: no such file`);
  const built = join(cwd, "build", `${spec}.wasm`);
  if (existsSync(built)) return { path: built, name: spec };
  for (const folder of ["examples", "filters"]) {
    if (existsSync(join(cwd, folder, spec, "main.ts"))) {
      throw new UsageError(`${folder}/${spec} is not built: build/${spec}.wasm is missing (run \`proxy-wasm build ${spec}\`)`);
    }
  }
  const shipped = packageExampleModule(spec, cwd);
  if (shipped !== null) return { path: shipped, name: spec };
  throw new UsageError(`"${spec}" is neither a .wasm file nor a built filter (build/${spec}.wasm)`);
}

function readModule(path: string): Uint8Array {
  const bytes = new Uint8Array(readFileSync(path));
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new UsageError(`${path} is not a WebAssembly module`);
  }
  return bytes;
}

const RUN_OPTION_SPECS = {
  upstream: { type: "string" },
  listen: { type: "string", default: DEFAULT_LISTEN },
  "allow-remote": { type: "boolean", default: false },
  config: { type: "string" },
  "config-file": { type: "string" },
  "vm-config": { type: "string" },
  "root-id": { type: "string" },
  cluster: { type: "string", multiple: true },
  "fail-open": { type: "boolean", default: false },
  "log-level": { type: "string", default: "info" },
  trace: { type: "boolean", default: false },
} satisfies ParseArgsConfig["options"];

export function parseRunArgs(args: string[], cwd: string = process.cwd()): RunOptions {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: RUN_OPTION_SPECS });
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? "name a module: proxy-wasm run <wasm-file | filter-name> --upstream URL" : `one module only, got ${positionals.join(" ")}`);
  }
  if (values.upstream === undefined) throw new UsageError("--upstream http://127.0.0.1:PORT is required");
  const upstream = parseHttpUrl("--upstream", values.upstream);
  const listen = parseListen(values.listen ?? DEFAULT_LISTEN, values["allow-remote"] ?? false);
  const logLevel = values["log-level"] ?? "info";
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(", ")}`);
  if (values.config !== undefined && values["config-file"] !== undefined) throw new UsageError("use --config or --config-file, not both");
  let pluginConfiguration = values.config ?? "";
  if (values["config-file"] !== undefined) {
    const file = resolve(cwd, values["config-file"]);
    if (!existsSync(file)) throw new UsageError(`--config-file: ${values["config-file"]}: no such file`);
    pluginConfiguration = readFileSync(file, "utf8");
  }
  const module = resolveModule(positionals[0]!, cwd);
  return {
    wasmPath: module.path,
    wasm: readModule(module.path),
    name: module.name,
    rootId: values["root-id"] ?? rootIdFor(module.name),
    upstream,
    listen,
    pluginConfiguration,
    vmConfiguration: values["vm-config"] ?? "",
    clusters: parseClusters(values.cluster ?? []),
    failOpen: values["fail-open"] ?? false,
    logLevel: logLevel as LogLevelName,
    trace: values.trace ?? false,
  };
}
