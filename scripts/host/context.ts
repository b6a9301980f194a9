// One context of a VM, as Envoy's Context class sees it: root (plugin), HTTP stream or TCP connection.
// It holds the "live pointers" that decide which header maps and buffers a hostcall may touch right
// now (docs/abi.md §2.7, Envoy context.cc getMap/getConstMap/getBuffer).

import { ABSENT_BODY, Body } from "./body.ts";
import { BufferType, MapType } from "./constants.ts";
import type { HeaderMap } from "./header-map.ts";
import type { FilterManager } from "./filter-manager.ts";
import type { TcpStream } from "./tcp-stream.ts";

export type ContextKind = "vm" | "root" | "http" | "tcp";

export interface CallResponse {
  headers: HeaderMap;
  body: Body;
  trailers: HeaderMap | null;
}

export class Context {
  readonly root: Context;
  /** proxy_on_context_create has run (Envoy in_vm_context_created_). */
  created = false;
  deleted = false;

  // Root-only state.
  /** The plugin configuration is readable (Envoy temp_plugin_): on_context_create/on_configure of a root. */
  pluginConfigurationVisible = false;
  statusCode = 0;
  statusMessage = "";
  httpCallResponse: CallResponse | null = null;
  grpcInitialMetadata: HeaderMap | null = null;
  grpcTrailingMetadata: HeaderMap | null = null;
  grpcReceiveBuffer: Body | null = null;
  callData: Body | null = null;
  tickPeriodMs = 0;
  /** Clock time (ms since start) of the next proxy_on_tick. */
  tickDueMs = Infinity;
  /** Waiting for proxy_done() after proxy_on_done returned false. */
  pendingDone = false;

  // Stream state (Envoy's request_headers_, request_body_buffer_ ... pointers).
  /** The filter manager of an HTTP stream context. */
  http: FilterManager | null = null;
  tcp: TcpStream | null = null;
  requestHeaders: HeaderMap | null = null;
  requestTrailers: HeaderMap | null = null;
  responseHeaders: HeaderMap | null = null;
  responseTrailers: HeaderMap | null = null;
  requestBody: Body | null = null;
  responseBody: Body | null = null;
  downstreamData: Body | null = null;
  upstreamData: Body | null = null;
  endOfStream = false;
  accessLogPhase = false;
  /** Values stored by proxy_set_property (Envoy filter state "wasm.<path>"). */
  filterState: Map<string, Buffer> | null = null;

  constructor(
    readonly id: number,
    readonly kind: ContextKind,
    root: Context | null,
  ) {
    this.root = root ?? this;
  }

  /** Mutable map for add/replace/remove/set/size, or null (⇒ BAD_ARGUMENT). */
  getMap(type: number): HeaderMap | null {
    switch (type) {
      case MapType.RequestHeaders:
        return this.requestHeaders;
      case MapType.RequestTrailers:
        if (this.requestTrailers === null && this.requestBody !== null && this.endOfStream && this.http) {
          this.requestTrailers = this.http.addDecodedTrailers();
        }
        return this.requestTrailers;
      case MapType.ResponseHeaders:
        return this.responseHeaders;
      case MapType.ResponseTrailers:
        if (this.responseTrailers === null && this.responseBody !== null && this.endOfStream && this.http) {
          this.responseTrailers = this.http.addEncodedTrailers();
        }
        return this.responseTrailers;
      default:
        return null;
    }
  }

  /** Readable map for get_value/get_pairs, or null. */
  getConstMap(type: number): HeaderMap | null {
    const root = this.root;
    switch (type) {
      case MapType.RequestHeaders:
        return this.accessLogPhase ? (this.http?.finalRequestHeaders ?? null) : this.requestHeaders;
      case MapType.RequestTrailers:
        return this.accessLogPhase ? null : this.requestTrailers;
      case MapType.ResponseHeaders:
        return this.accessLogPhase ? (this.http?.finalResponseHeaders ?? null) : this.responseHeaders;
      case MapType.ResponseTrailers:
        return this.accessLogPhase ? (this.http?.finalResponseTrailers ?? null) : this.responseTrailers;
      case MapType.GrpcReceiveInitialMetadata:
        return root.grpcInitialMetadata;
      case MapType.GrpcReceiveTrailingMetadata:
        return root.grpcTrailingMetadata;
      case MapType.HttpCallResponseHeaders:
        return root.httpCallResponse?.headers ?? null;
      case MapType.HttpCallResponseTrailers:
        return root.httpCallResponse?.trailers ?? null;
      default:
        return null;
    }
  }

  /**
   * The buffer a hostcall sees, or null (⇒ NOT_FOUND). Body and TCP data buffers outside their callbacks
   * are an empty unwritable buffer, like Envoy's Buffer wrapper around a null instance.
   */
  getBuffer(type: number, vmConfiguration: Body, pluginConfiguration: Body): Body | null {
    const root = this.root;
    switch (type) {
      case BufferType.HttpRequestBody:
        return this.requestBody ?? ABSENT_BODY;
      case BufferType.HttpResponseBody:
        return this.responseBody ?? ABSENT_BODY;
      case BufferType.DownstreamData:
        return this.downstreamData ?? ABSENT_BODY;
      case BufferType.UpstreamData:
        return this.upstreamData ?? ABSENT_BODY;
      case BufferType.HttpCallResponseBody:
        return root.httpCallResponse?.body ?? null;
      case BufferType.GrpcReceiveBuffer:
        return root.grpcReceiveBuffer ?? ABSENT_BODY;
      case BufferType.VmConfiguration:
        return vmConfiguration;
      case BufferType.PluginConfiguration:
        return this.pluginConfigurationVisible ? pluginConfiguration : null;
      case BufferType.CallData:
        return root.callData ?? this.callData ?? ABSENT_BODY;
      default:
        return null;
    }
  }
}

const MIN_SLOTS = 64;

/** Marks a freed slot in ContextTable (id -1 never matches). */
const FREED = new Context(-1, "vm", null);

/**
 * Live contexts by id: an open-addressing table. Stream contexts live for one request each, and a Map's
 * insert + delete per request (with its rehashing) costs more than the rest of creating a context.
 * Ids only grow, so ascending id order is creation order (what a Map would iterate).
 */
export class ContextTable {
  private slots: Array<Context | undefined> = new Array<Context | undefined>(MIN_SLOTS).fill(undefined);
  /** Live entries plus freed slots. */
  private used = 0;
  size = 0;

  private find(id: number): number {
    const slots = this.slots;
    const mask = slots.length - 1;
    for (let i = id & mask; ; i = (i + 1) & mask) {
      const c = slots[i];
      if (c === undefined) return -1;
      if (c.id === id) return i;
    }
  }

  get(id: number): Context | undefined {
    const i = this.find(id);
    return i < 0 ? undefined : this.slots[i];
  }

  has(id: number): boolean {
    return this.find(id) >= 0;
  }

  set(id: number, ctx: Context): void {
    const at = this.find(id);
    if (at >= 0) {
      this.slots[at] = ctx;
      return;
    }
    if ((this.used + 1) * 2 > this.slots.length) this.rehash();
    const slots = this.slots;
    const mask = slots.length - 1;
    let i = id & mask;
    while (slots[i] !== undefined && slots[i] !== FREED) i = (i + 1) & mask;
    if (slots[i] === undefined) this.used++;
    slots[i] = ctx;
    this.size++;
  }

  delete(id: number): boolean {
    const i = this.find(id);
    if (i < 0) return false;
    this.slots[i] = FREED;
    this.size--;
    return true;
  }

  /** Live contexts in id (= creation) order. */
  values(): Context[] {
    const out: Context[] = [];
    for (const c of this.slots) if (c !== undefined && c !== FREED) out.push(c);
    return out.sort((a, b) => a.id - b.id);
  }

  keys(): number[] {
    return this.values().map((c) => c.id);
  }

  /** Drops the freed slots (and grows when more than a quarter is live). */
  private rehash(): void {
    const old = this.slots;
    const live: Context[] = [];
    for (const c of old) if (c !== undefined && c !== FREED) live.push(c);
    let capacity = MIN_SLOTS;
    while (capacity < live.length * 4) capacity *= 2;
    if (capacity === old.length) old.fill(undefined);
    else this.slots = new Array<Context | undefined>(capacity).fill(undefined);
    this.used = 0;
    this.size = 0;
    for (const c of live) this.set(c.id, c);
  }
}
