// Options accepted by ProxyWasmHost.start, and their defaults.

import type { ClockMode } from "./clock.ts";
import type { CallMonitor } from "./outer-call.ts";
import type { LogLevelName } from "./constants.ts";
import type { PropertyValue } from "./property-values.ts";
import { retentionCount } from "./retention.ts";
import type { SharedStore } from "./shared-store.ts";

/** A foreign function callable through proxy_call_foreign_function. Return bytes, a string, nothing, or a status. */
export type ForeignFunction = (args: Buffer) => Uint8Array | string | null | undefined | void | { status: number };

export interface HostOptions {
  /** The module: a file path or its bytes. */
  wasm: string | Uint8Array;
  /** Plugin root_id (property plugin_root_id). */
  rootId?: string;
  /** vm_id: scopes shared data and queues (property plugin_vm_id). */
  vmId?: string;
  /** Plugin name (property plugin_name); defaults to rootId. */
  pluginName?: string;
  /** VmConfig.configuration, visible in proxy_on_vm_start. */
  vmConfiguration?: string | Uint8Array;
  /** PluginConfig.configuration, visible in proxy_on_configure. */
  pluginConfiguration?: string | Uint8Array;
  /** VmConfig.environment_variables, served by WASI environ_get. */
  environment?: Record<string, string>;
  /** Envoy's log level: proxy_get_log_level returns it and messages below it are dropped. Default "info". */
  logLevel?: LogLevelName;
  /** PluginConfig.fail_open: after a VM failure streams pass through instead of getting a 503. */
  failOpen?: boolean;
  /** Run start + configure in a throw-away VM first, like Envoy's configuration canary. Default true. */
  canary?: boolean;
  /** PluginConfig.allow_on_headers_stop_iteration: PAUSE from headers means StopIteration, not StopAll. */
  allowOnHeadersStopIteration?: boolean;
  /** Run a local reply sent from the request path through this context's response callbacks. Default true. */
  localReplyThroughFilter?: boolean;
  /** "envoy": on_log, on_done, on_delete. "go-proxytest": on_log, on_delete (no on_done). */
  completionOrder?: "envoy" | "go-proxytest";
  /** Cluster names proxy_http_call/proxy_grpc_* accept; any name when omitted. */
  clusters?: string[];
  /** Property fixtures: "a.b.c" (or NUL-joined) paths to typed values; they override well-known attributes. */
  properties?: Record<string, PropertyValue>;
  /** Foreign functions to register (compress/uncompress are built in). */
  foreignFunctions?: Record<string, ForeignFunction>;
  /** "virtual" (default): time moves with advanceClock/tick. "system": the machine's clocks and real timers. */
  clock?: ClockMode;
  /** Start of the virtual wall clock; defaults to now. */
  clockStart?: Date | number;
  /** Print the call trace ("[host->vm] ...", "[vm->host] ...") to stderr, or hand each line to a function. */
  trace?: boolean | ((line: string) => void);
  /** Also print plugin logs to stderr, Envoy style. */
  printLogs?: boolean;
  /**
   * Which plugin log entries `logs()` / `logEntries()` keep: all (true, the default), none (false: only the
   * `log` event and `printLogs` see them) or the most recent N. A long-running host should bound them.
   */
  retainLogs?: boolean | number;
  /** Which host messages `hostMessages()` keeps: all (true, the default), none (false) or the most recent N. */
  retainHostMessages?: boolean | number;
  /** Which values recorded into each histogram `histogram()` keeps: all (true, the default), none or the most recent N. */
  retainHistogramSamples?: boolean | number;
  /**
   * HTTP streams keep a copy of every body chunk they forward, for `requestBody` / `responseBody`, and TCP
   * connections of the data they forward, for `upstreamBytes` / `downstreamBytes` (default true).
   * `host.http({ retainBodies })` overrides it per stream.
   */
  retainBodies?: boolean;
  /** Shared data and queues, to share between several hosts (workers) of one emulated Envoy. */
  shared?: SharedStore;
  /** Complete request/response headers like Envoy's codec (pseudo-headers first, defaults). Default true. */
  normalizeHeaders?: boolean;
  /**
   * The debug build's source map, so that trap reports (`failMessage`) name source locations ("at
   * MyFilter#onRequestHeaders (filters/my-filter/index.ts:42:12)"): a path, the map itself (its JSON text
   * parsed), or false for none. Default: the map a `wasm` file names in its sourceMappingURL section (what
   * `proxy-wasm build` writes for build/<name>.debug.wasm), else `<wasm>.map` if it exists.
   */
  sourceMap?: string | object | false;
  /**
   * Envoy's buffer limit (per_connection_buffer_limit_bytes, 1 MiB by default) for a body the filter buffers
   * (body callback returned PAUSE: StopIterationAndBuffer): above it a request gets 413 "Payload Too Large"
   * (details request_payload_too_large), a response 500 (response_payload_too_large) or, if its headers
   * already went downstream, a reset. 0: no limit.
   */
  bufferLimit?: number;
  /**
   * A deadline for each callback (and for `_initialize`/`_start`, malloc): a call that has not returned after
   * this many ms is interrupted and fails the VM like a trap ("Function: X failed: did not return within N
   * ms"). Off by default: it costs tens of microseconds per call (V8 watchdog), so turn it on in tests of
   * filters that might loop.
   */
  callbackTimeoutMs?: number;
  /** Told before and after each outermost host→VM call (a watchdog on another thread, as `proxy-wasm run` uses). */
  callMonitor?: CallMonitor;
  /** Downstream connection seen by the filter (source.*, destination.*, connection.*). */
  connection?: {
    sourceAddress?: string;
    sourcePort?: number;
    destinationAddress?: string;
    destinationPort?: number;
    mtls?: boolean;
    requestedServerName?: string;
  };
}

export interface ResolvedOptions {
  rootId: string;
  vmId: string;
  pluginName: string;
  vmConfiguration: Buffer;
  pluginConfiguration: Buffer;
  environment: Array<[string, string]>;
  logLevel: number;
  failOpen: boolean;
  canary: boolean;
  allowOnHeadersStopIteration: boolean;
  localReplyThroughFilter: boolean;
  completionOrder: "envoy" | "go-proxytest";
  clusters: Set<string> | null;
  normalizeHeaders: boolean;
  printLogs: boolean;
  /** Log entries kept: Infinity (all), 0 (none) or a positive count (the most recent). */
  retainLogs: number;
  retainHostMessages: number;
  retainHistogramSamples: number;
  retainBodies: boolean;
  /** Bytes; 0 = no limit. */
  bufferLimit: number;
  /** 0 = no deadline. */
  callbackTimeoutMs: number;
  callMonitor: CallMonitor | null;
  connection: {
    sourceAddress: string;
    sourcePort: number;
    destinationAddress: string;
    destinationPort: number;
    mtls: boolean;
    requestedServerName: string;
  };
}

const LEVELS = ["trace", "debug", "info", "warn", "error", "critical"];

function bytes(v: string | Uint8Array | undefined): Buffer {
  if (v === undefined) return Buffer.alloc(0);
  return typeof v === "string" ? Buffer.from(v, "utf8") : Buffer.from(v);
}

/** Envoy's default per-connection buffer limit. */
export const DEFAULT_BUFFER_LIMIT = 1024 * 1024;

function bufferLimit(v: number | undefined): number {
  if (v === undefined) return DEFAULT_BUFFER_LIMIT;
  if (typeof v !== "number" || !(v >= 0) || !Number.isFinite(v)) throw new TypeError(`bufferLimit must be a number of bytes >= 0, not ${String(v)}`);
  return Math.floor(v);
}

function callbackTimeout(v: number | undefined): number {
  if (v === undefined || v === 0) return 0;
  if (typeof v !== "number" || !(v > 0) || !Number.isFinite(v)) throw new TypeError(`callbackTimeoutMs must be a positive number of ms, not ${String(v)}`);
  return Math.ceil(v);
}

export function resolveOptions(o: HostOptions): ResolvedOptions {
  const level = LEVELS.indexOf(o.logLevel ?? "info");
  if (level < 0) throw new TypeError(`unknown logLevel ${o.logLevel}`);
  const c = o.connection ?? {};
  return {
    rootId: o.rootId ?? "",
    vmId: o.vmId ?? "",
    pluginName: o.pluginName ?? o.rootId ?? "",
    vmConfiguration: bytes(o.vmConfiguration),
    pluginConfiguration: bytes(o.pluginConfiguration),
    environment: Object.entries(o.environment ?? {}),
    logLevel: level,
    failOpen: o.failOpen ?? false,
    canary: o.canary ?? true,
    allowOnHeadersStopIteration: o.allowOnHeadersStopIteration ?? false,
    localReplyThroughFilter: o.localReplyThroughFilter ?? true,
    completionOrder: o.completionOrder ?? "envoy",
    clusters: o.clusters ? new Set(o.clusters) : null,
    normalizeHeaders: o.normalizeHeaders ?? true,
    printLogs: o.printLogs ?? false,
    retainLogs: retentionCount("retainLogs", o.retainLogs),
    retainHostMessages: retentionCount("retainHostMessages", o.retainHostMessages),
    retainHistogramSamples: retentionCount("retainHistogramSamples", o.retainHistogramSamples),
    retainBodies: o.retainBodies ?? true,
    bufferLimit: bufferLimit(o.bufferLimit),
    callbackTimeoutMs: callbackTimeout(o.callbackTimeoutMs),
    callMonitor: o.callMonitor ?? null,
    connection: {
      sourceAddress: c.sourceAddress ?? "127.0.0.1",
      sourcePort: c.sourcePort ?? 50000,
      destinationAddress: c.destinationAddress ?? "127.0.0.1",
      destinationPort: c.destinationPort ?? 10000,
      mtls: c.mtls ?? false,
      requestedServerName: c.requestedServerName ?? "",
    },
  };
}
