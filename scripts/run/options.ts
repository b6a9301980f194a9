/**
 * Options of `proxy-wasm run`: which module, which upstream, where to listen, the plugin's configuration
 * and the clusters its callouts may reach. The flags are declared in scripts/commands/run.ts; these helpers
 * turn their values into RunOptions and refuse bad input with a UsageError before anything listens.
 */
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { UsageError } from "../cli-errors.ts";
import type { LogLevelName } from "../host/index.ts";
import { parseUpstreamAddress, redactUserinfo, type UpstreamAddress } from "../upstream-address.ts";
import type { BuildEntry } from "../build/compile.ts";

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
  upstream: UpstreamAddress;
  listen: ListenAddress;
  pluginConfiguration: string;
  vmConfiguration: string;
  /** Cluster name → base URL its callouts are sent to. */
  clusters: Map<string, UpstreamAddress>;
  failOpen: boolean;
  logLevel: LogLevelName;
  trace: boolean;
  callbackTimeoutMs: number;
  routeTimeoutMs: number;
  bufferLimit: number;
  quiet: boolean;
  debug: boolean;
  watch: boolean;
  /** With --watch: the filter's build entry, to rebuild from (null: reload the .wasm when it changes). */
  source: BuildEntry | null;
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

/** `name=http://127.0.0.1:PORT` or `name=127.0.0.1:PORT` (repeatable). */
export function parseClusters(specs: readonly string[]): Map<string, UpstreamAddress> {
  const clusters = new Map<string, UpstreamAddress>();
  for (const spec of specs) {
    const at = spec.indexOf("=");
    if (at <= 0) throw new UsageError(`--cluster: ${JSON.stringify(redactUserinfo(spec))} is not name=http://host:port`);
    const name = spec.slice(0, at);
    if (clusters.has(name)) throw new UsageError(`--cluster: ${name} is given twice`);
    clusters.set(name, parseUpstreamAddress(`--cluster ${name}`, spec.slice(at + 1)));
  }
  return clusters;
}

/** The module bytes, refused unless they start with the wasm magic. */
export function readModule(path: string): Uint8Array {
  const bytes = new Uint8Array(readFileSync(path));
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new UsageError(`${path} is not a WebAssembly module`);
  }
  return bytes;
}

/** `500ms`, `3s`, `2m` or a number of milliseconds. `0` is allowed where it means "none". */
export function parseDuration(flag: string, raw: string, allowZero = false): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(raw.trim());
  const ms = match ? Number(match[1]) * (match[2] === "m" ? 60_000 : match[2] === "s" ? 1000 : 1) : NaN;
  if (!Number.isFinite(ms) || (ms === 0 && !allowZero) || ms > 24 * 3600_000) {
    throw new UsageError(`${flag}: ${JSON.stringify(raw)} is not a duration (e.g. 500ms, 3s, 2m${allowZero ? "; 0 for none" : ""})`);
  }
  return Math.round(ms);
}

const SIZE_UNITS: Record<string, number> = { "": 1, b: 1, k: 1000, kb: 1000, kib: 1024, m: 1000_000, mb: 1000_000, mib: 1024 * 1024, g: 1e9, gb: 1e9, gib: 1024 ** 3 };

/** `1048576`, `64KiB`, `1MiB`, `16MB` (up to 1 GiB, the most a VM's memory holds). */
export function parseByteSize(flag: string, raw: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(raw.trim());
  const unit = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined;
  const bytes = match && unit !== undefined ? Math.floor(Number(match[1]) * unit) : NaN;
  if (!Number.isFinite(bytes) || bytes < 1 || bytes > 1024 ** 3) {
    throw new UsageError(`${flag}: ${JSON.stringify(raw)} is not a size from 1 byte to 1GiB (e.g. 1048576, 64KiB, 1MiB)`);
  }
  return bytes;
}
