/**
 * Options of `proxy-wasm run`: which module, which upstream, where to listen, the plugin's configuration
 * and the clusters its callouts may reach. The flags are declared in scripts/commands/run.ts; these helpers
 * turn their values into RunOptions and refuse bad input with a UsageError before anything listens.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { isIP } from "node:net";
import { basename, join, resolve } from "node:path";
import { UsageError } from "../cli-errors.ts";
import type { LogLevelName } from "../host/index.ts";
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

export function parseHttpUrl(flag: string, spec: string): URL {
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

/** The module bytes, refused unless they start with the wasm magic. */
export function readModule(path: string): Uint8Array {
  const bytes = new Uint8Array(readFileSync(path));
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new UsageError(`${path} is not a WebAssembly module`);
  }
  return bytes;
}
