// HostFunctionHarness: the emulator's own host functions for a module that something else instantiates
// and calls (the SDK's as-pect specs): no start-up and no callbacks, just one root context and one HTTP
// stream context whose header maps, buffers, properties and log level the caller sets, with every host
// call recorded and a way to make the next call of a function fail. Same implementations, same
// answers as a VM in ProxyWasmHost (docs/abi.md §1.4, §2.7).

import { EventEmitter } from "node:events";
import { HOST_FUNCTIONS, hostFunctionRows, paramName, type HostFunctionName } from "./abi-table.ts";
import { implementations } from "./abi/index.ts";
import { Body } from "./body.ts";
import { BufferType, MapType, type LogLevelName } from "./constants.ts";
import type { Context } from "./context.ts";
import { HostEnv, type LogEntry } from "./env.ts";
import { HeaderMap } from "./header-map.ts";
import { readModuleInfo } from "./module-info.ts";
import { resolveOptions, type HostOptions } from "./options.ts";
import type { Pairs } from "./pairs.ts";
import type { PropertyValue } from "./property-values.ts";
import { Vm } from "./vm.ts";

export interface HostCall {
  /** The arguments as the module passed them (i64 as bigint). */
  args: Array<number | bigint>;
  /** The bytes of each (xPtr, xSize) input argument pair, in parameter order (out-parameters excluded). */
  inputs: Buffer[];
}

export interface HarnessOptions {
  /** Envoy's log level the harness starts (and resets) with; default "trace": every message is kept. */
  logLevel?: LogLevelName;
  /** Other host options (properties, connection, clusters, foreign functions, ...). */
  host?: Omit<HostOptions, "wasm" | "logLevel">;
}

/** (ptr, size) parameter pairs that carry input bytes, per host function: "<x>Ptr" then "<x>Size", x not "return…". */
const INPUT_SPANS: Record<string, Array<[number, number]>> = Object.fromEntries(
  hostFunctionRows().map(([name, row]) => {
    const names = row.params.map(paramName);
    const spans: Array<[number, number]> = [];
    names.forEach((p, i) => {
      const base = p.endsWith("Ptr") ? p.slice(0, -3) : null;
      if (base !== null && !base.startsWith("return") && names[i + 1] === `${base}Size`) spans.push([i, i + 1]);
    });
    return [name, spans];
  }),
);

const EMPTY = Buffer.alloc(0);

export class HostFunctionHarness {
  private vm!: Vm;
  private env!: HostEnv;
  private root!: Context;
  private stream!: Context;
  private impl!: Record<string, (...args: any[]) => unknown>;
  private memory: WebAssembly.Memory | null = null;
  private allocator: ((size: number) => number) | null = null;
  private readonly recorded = new Map<string, HostCall[]>();
  private readonly forced = new Map<string, number[]>();
  /** Blocks the host obtained from the module's allocator since the last reset, and the last one's address. */
  hostAllocations = 0;
  lastHostPointer = 0;

  constructor(
    private readonly binary: Uint8Array,
    private readonly options: HarnessOptions = {},
  ) {
    this.reset();
  }

  /** The import object's host-function namespaces ("env" and the WASI modules), each call recorded. */
  imports(): Record<string, Record<string, (...args: any[]) => unknown>> {
    const out: Record<string, Record<string, (...args: any[]) => unknown>> = {};
    for (const [name, row] of hostFunctionRows()) {
      if (row.abi !== undefined && !row.abi.includes("0.2.1")) continue;
      const call = (...args: Array<number | bigint>): unknown => this.call(name, args);
      for (const module of row.module === "wasi" ? ["wasi_snapshot_preview1", "wasi_unstable"] : ["env"]) (out[module] ??= {})[name] = call;
    }
    return out;
  }

  /** The instantiated module: its memory, and the allocator the host uses for the data it hands over. */
  attach(exports: { memory: WebAssembly.Memory; malloc?: (size: number) => number }): void {
    this.memory = exports.memory;
    this.allocator = exports.malloc ?? null;
    this.adopt();
  }

  /**
   * Forgets all host state: a fresh root context and HTTP stream context (the one the calls act for), its
   * four header maps present and empty, no body, no properties, no logs, no recorded calls.
   */
  reset(): void {
    const resolved = resolveOptions({ ...this.options.host, wasm: this.binary, logLevel: this.options.logLevel ?? "trace" });
    this.env = new HostEnv(resolved, { ...this.options.host, wasm: this.binary }, new EventEmitter());
    const info = readModuleInfo(this.binary);
    this.vm = new Vm(this.env, null, info, "0.2.1", "worker");
    this.root = this.vm.newContext("root", null);
    this.root.created = true;
    this.vm.root = this.root;
    this.vm.configured = true;
    this.stream = this.vm.newContext("http", this.root);
    this.stream.created = true;
    for (const type of [MapType.RequestHeaders, MapType.RequestTrailers, MapType.ResponseHeaders, MapType.ResponseTrailers]) {
      this.setMap(type, []);
    }
    this.vm.current = this.stream;
    this.impl = implementations(this.vm) as unknown as Record<string, (...args: any[]) => unknown>;
    this.recorded.clear();
    this.forced.clear();
    this.hostAllocations = 0;
    this.lastHostPointer = 0;
    this.adopt();
  }

  private adopt(): void {
    if (this.memory === null) return;
    const allocate = this.allocator;
    this.vm.adopt(
      this.memory,
      allocate === null
        ? null
        : (size: number) => {
            const p = allocate(size);
            this.hostAllocations++;
            this.lastHostPointer = p >>> 0;
            return p;
          },
    );
  }

  private call(name: HostFunctionName, args: Array<number | bigint>): unknown {
    const memory = this.memory;
    const inputs = (INPUT_SPANS[name] ?? []).map(([p, s]) => {
      if (memory === null) return EMPTY;
      const at = Number(args[p]) >>> 0;
      return Buffer.from(new Uint8Array(memory.buffer).slice(at, at + (Number(args[s]) >>> 0)));
    });
    let calls = this.recorded.get(name);
    if (calls === undefined) this.recorded.set(name, (calls = []));
    calls.push({ args, inputs });
    const forced = this.forced.get(name);
    if (forced !== undefined && forced.length > 0) return forced.shift();
    return this.impl[name]!(...args);
  }

  // ---- Context and phase --------------------------------------------------------------------------

  /** Calls act for the HTTP stream context (the default) or for the root context. */
  actFor(which: "stream" | "root"): void {
    this.vm.current = which === "root" ? this.root : this.stream;
  }

  /** A header map as the current phase has it (null: not available now, as outside its callback). */
  setMap(type: number, pairs: Pairs | null): void {
    const map = pairs === null ? null : HeaderMap.from(pairs);
    const s = this.stream;
    const r = this.root;
    switch (type) {
      case MapType.RequestHeaders:
        s.requestHeaders = map;
        return;
      case MapType.RequestTrailers:
        s.requestTrailers = map;
        return;
      case MapType.ResponseHeaders:
        s.responseHeaders = map;
        return;
      case MapType.ResponseTrailers:
        s.responseTrailers = map;
        return;
      case MapType.GrpcReceiveInitialMetadata:
        r.grpcInitialMetadata = map;
        return;
      case MapType.GrpcReceiveTrailingMetadata:
        r.grpcTrailingMetadata = map;
        return;
      case MapType.HttpCallResponseHeaders:
        r.httpCallResponse = map === null ? null : { headers: map, body: r.httpCallResponse?.body ?? new Body(EMPTY, false), trailers: r.httpCallResponse?.trailers ?? null };
        return;
      case MapType.HttpCallResponseTrailers:
        if (r.httpCallResponse !== null) r.httpCallResponse.trailers = map;
        else if (map !== null) r.httpCallResponse = { headers: new HeaderMap(), body: new Body(EMPTY, false), trailers: map };
        return;
      default:
        throw new RangeError(`no header map of type ${type}`);
    }
  }

  /** The map's entries as the host holds them, or null when it is not available. */
  map(type: number): Pairs | null {
    const map = this.stream.getConstMap(type);
    return map === null ? null : map.toPairs();
  }

  /**
   * A buffer as the current phase has it: a body or TCP data (writable unless `writable` is false),
   * a callout or gRPC reply, the configurations or foreign-function arguments (always read-only, as in
   * Envoy). Null removes it.
   */
  setBuffer(type: number, bytes: Uint8Array | null, writable = true): void {
    const body = bytes === null ? null : new Body(Buffer.from(bytes), writable);
    const s = this.stream;
    const r = this.root;
    switch (type) {
      case BufferType.HttpRequestBody:
        s.requestBody = body;
        return;
      case BufferType.HttpResponseBody:
        s.responseBody = body;
        return;
      case BufferType.DownstreamData:
        s.downstreamData = body;
        return;
      case BufferType.UpstreamData:
        s.upstreamData = body;
        return;
      case BufferType.HttpCallResponseBody:
        r.httpCallResponse =
          bytes === null ? null : { headers: r.httpCallResponse?.headers ?? new HeaderMap(), body: new Body(Buffer.from(bytes), false), trailers: r.httpCallResponse?.trailers ?? null };
        return;
      case BufferType.GrpcReceiveBuffer:
        r.grpcReceiveBuffer = bytes === null ? null : new Body(Buffer.from(bytes), false);
        return;
      case BufferType.VmConfiguration:
        this.env.vmConfiguration.data = Buffer.from(bytes ?? EMPTY);
        return;
      case BufferType.PluginConfiguration:
        // Readable only while the plugin is configured (Envoy's temp_plugin_): both contexts see it here.
        this.env.pluginConfiguration.data = Buffer.from(bytes ?? EMPTY);
        r.pluginConfigurationVisible = s.pluginConfigurationVisible = bytes !== null;
        return;
      case BufferType.CallData:
        r.callData = bytes === null ? null : new Body(Buffer.from(bytes), false);
        return;
      default:
        throw new RangeError(`no buffer of type ${type}`);
    }
  }

  /** A buffer's content as the host holds it now, or null when the current context has none. */
  buffer(type: number): Buffer | null {
    const body = this.vm.ctx().getBuffer(type, this.env.vmConfiguration, this.env.pluginConfiguration);
    return body === null ? null : Buffer.from(body.data);
  }

  /** A property fixture, by path segments. */
  setProperty(path: readonly string[], value: PropertyValue): void {
    this.env.setProperty(path, value);
  }

  /** What proxy_set_property stored for the stream at `path` (segments), or null. */
  storedProperty(path: readonly string[]): Buffer | null {
    return this.stream.filterState?.get(path.join("\0")) ?? null;
  }

  setLogLevel(level: number): void {
    this.env.options.logLevel = level;
  }

  /** Everything the module logged through the host since the last reset. */
  logs(): LogEntry[] {
    return this.env.retainedLogs().slice();
  }

  // ---- Recorded calls ------------------------------------------------------------------------------

  /** The calls of host function `name` since the last reset, oldest first. */
  calls(name: string): HostCall[] {
    return this.recorded.get(name) ?? [];
  }

  /** The next call of `name` returns `status` without running the host function. */
  failNext(name: string, status: number): void {
    if (!(name in HOST_FUNCTIONS)) throw new RangeError(`${name} is not a host function`);
    let queue = this.forced.get(name);
    if (queue === undefined) this.forced.set(name, (queue = []));
    queue.push(status);
  }
}
