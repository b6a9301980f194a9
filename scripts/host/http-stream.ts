// HttpStream: one HTTP stream through the plugin as a test (or the local proxy) drives it: whole messages
// or phase by phase, what went up- and downstream, and events. Envoy's codec part lives here (header
// normalization); the filter manager (filter-manager.ts) does the rest.

import { EventEmitter } from "node:events";
import type { Context } from "./context.ts";
import type { HostEnv } from "./env.ts";
import { FilterManager } from "./filter-manager.ts";
import { HeaderMap, type HeadersInit } from "./header-map.ts";
import type { LocalResponse } from "./local-reply.ts";
import type { Pairs } from "./pairs.ts";
import type { Vm } from "./vm.ts";

export type { LocalResponse } from "./local-reply.ts";

export type BodyInit = string | Uint8Array | ReadonlyArray<string | Uint8Array>;

export interface HttpMessage {
  headers?: HeadersInit;
  /** The body; an array is sent as separate chunks (one proxy_on_*_body call each). */
  body?: BodyInit;
  trailers?: HeadersInit;
}

export interface HttpStreamOptions {
  /**
   * Keep a copy of every body chunk forwarded, for `requestBody` / `responseBody` (default: the host's
   * `retainBodies` option, itself true). Without it those read empty; sizes are still counted.
   */
  retainBodies?: boolean;
}

const EMPTY = Buffer.alloc(0);
const NO_CHUNKS: Buffer[] = [];
const NO_HEADERS: Pairs = [];

function chunkOf(c: string | Uint8Array): Buffer {
  return typeof c === "string" ? Buffer.from(c, "utf8") : Buffer.from(c);
}

/** A chunk argument of callOn*Body (a JavaScript caller may pass anything: keep the old leniency). */
function oneChunk(c: string | Uint8Array): Buffer {
  if (typeof c === "string" || c instanceof Uint8Array) return chunkOf(c);
  return toChunks(c as BodyInit | undefined)[0] ?? EMPTY;
}

function toChunks(body: BodyInit | undefined): Buffer[] {
  if (body === undefined) return [];
  if (typeof body === "string" || body instanceof Uint8Array) return [chunkOf(body)];
  return body.map(chunkOf);
}

const REQUEST_DEFAULTS: Array<[string, string]> = [
  [":method", "GET"],
  [":path", "/"],
  [":authority", "localhost"],
  [":scheme", "http"],
];

/**
 * EventEmitter without its constructor: a stream is an EventEmitter (its prototype), but the listener table
 * is only created by the first on()/once(), which Node's EventEmitter methods do for an object they have
 * not initialized. Most streams (tests, benchmarks) never get a listener.
 */
const LazyEventEmitter = function LazyEventEmitter() {} as unknown as typeof EventEmitter;
LazyEventEmitter.prototype = EventEmitter.prototype;

export class HttpStream extends LazyEventEmitter {
  /** The stream context id (2, 3, … in a fresh single-plugin VM). */
  readonly id: number;
  private readonly fm: FilterManager;

  /** @internal Use ProxyWasmHost.http(). */
  constructor(
    private readonly env: HostEnv,
    vm: Vm | null,
    ctx: Context | null,
    connectionId: number,
    options?: HttpStreamOptions,
  ) {
    super();
    this.id = ctx?.id ?? 0;
    this.fm = new FilterManager(env, vm, ctx, connectionId, options?.retainBodies ?? env.options.retainBodies, this);
  }

  // ---- Driving the stream -------------------------------------------------------------------------

  /** Sends a whole request: headers (end_of_stream if nothing follows), each body chunk, trailers. */
  request(message: HttpMessage = {}): this {
    this.sendMessage(true, message);
    return this;
  }

  /** Sends a whole upstream response the same way. Ignored after a local reply or reset. */
  response(message: HttpMessage = {}): this {
    this.sendMessage(false, message);
    return this;
  }

  private sendMessage(isRequest: boolean, m: HttpMessage): void {
    const chunks = m.body === undefined ? NO_CHUNKS : toChunks(m.body);
    const hasTrailers = m.trailers !== undefined;
    if (isRequest) this.callOnRequestHeaders(m.headers ?? NO_HEADERS, chunks.length === 0 && !hasTrailers);
    else this.callOnResponseHeaders(m.headers ?? NO_HEADERS, chunks.length === 0 && !hasTrailers);
    for (let i = 0; i < chunks.length; i++) {
      const eos = i === chunks.length - 1 && !hasTrailers;
      if (isRequest) this.callOnRequestBody(chunks[i]!, eos);
      else this.callOnResponseBody(chunks[i]!, eos);
    }
    if (hasTrailers) {
      if (isRequest) this.callOnRequestTrailers(m.trailers!);
      else this.callOnResponseTrailers(m.trailers!);
    }
  }

  /**
   * Request headers arrive from downstream. Returns what proxy_on_request_headers returned, or null
   * if the callback did not run now (stream paused, finished, or no such export).
   */
  callOnRequestHeaders(headers: HeadersInit, endOfStream = false): number | null {
    return this.fm.decodeHeaders(this.headerMap(headers, true), endOfStream);
  }

  callOnRequestBody(chunk: string | Uint8Array, endOfStream = false): number | null {
    return this.fm.decodeData(oneChunk(chunk), endOfStream);
  }

  callOnRequestTrailers(trailers: HeadersInit): number | null {
    return this.fm.decodeTrailers(HeaderMap.from(trailers));
  }

  /** Upstream response headers. Ignored once a local reply replaced the response. */
  callOnResponseHeaders(headers: HeadersInit, endOfStream = false): number | null {
    return this.fm.encodeHeaders(this.headerMap(headers, false), endOfStream);
  }

  callOnResponseBody(chunk: string | Uint8Array, endOfStream = false): number | null {
    return this.fm.encodeData(oneChunk(chunk), endOfStream);
  }

  callOnResponseTrailers(trailers: HeadersInit): number | null {
    return this.fm.encodeTrailers(HeaderMap.from(trailers));
  }

  /** Ends the stream: on_log (access-log phase), on_done, on_delete. Idempotent. */
  complete(): this {
    this.fm.complete();
    return this;
  }

  // ---- Inspection ---------------------------------------------------------------------------------

  readonly protocol = "HTTP/1.1";
  get connectionId(): number {
    return this.fm.connectionId;
  }
  /** Clock time (ms since the host started) when the stream began / completed. */
  get startMs(): number {
    return this.fm.startMs;
  }
  get endMs(): number | null {
    return this.fm.endMs;
  }
  get localResponse(): LocalResponse | null {
    return this.fm.localResponse;
  }
  /** Set when the stream was reset (e.g. "wasm_close_stream"). */
  get resetDetails(): string | null {
    return this.fm.resetDetails;
  }
  /** Envoy's response code details: "via_upstream", a local reply's details, "wasm_close_stream". */
  get responseCodeDetails(): string | null {
    return this.fm.responseCodeDetails;
  }
  get completed(): boolean {
    return this.fm.completed;
  }
  /** Request headers as the filter left them (what goes upstream). */
  get requestHeaders(): Pairs {
    return this.fm.req.headers?.toPairs() ?? [];
  }
  requestHeader(name: string): string | null {
    return this.fm.req.headers?.get(name) ?? null;
  }
  /** Request body forwarded upstream so far. */
  get requestBody(): Buffer {
    return this.fm.req.body();
  }
  get requestTrailers(): Pairs | null {
    return this.fm.req.trailers?.toPairs() ?? null;
  }
  /** Response headers sent downstream (a local reply's headers if one was sent). */
  get responseHeaders(): Pairs {
    return this.fm.resp.headers?.toPairs() ?? [];
  }
  responseHeader(name: string): string | null {
    return this.fm.resp.headers?.get(name) ?? null;
  }
  get responseBody(): Buffer {
    return this.fm.resp.body();
  }
  get responseTrailers(): Pairs | null {
    return this.fm.resp.trailers?.toPairs() ?? null;
  }
  /** The request is held by the filter (PAUSE not yet continued). */
  get requestPaused(): boolean {
    return this.fm.req.stopped && !this.fm.req.aborted;
  }
  get responsePaused(): boolean {
    return this.fm.resp.stopped && !this.fm.resp.aborted;
  }
  /** Request headers went upstream / end of request went upstream. */
  get requestForwarded(): boolean {
    return this.fm.req.headersForwarded;
  }
  get requestEnded(): boolean {
    return this.fm.req.ended;
  }
  get responseEnded(): boolean {
    return this.fm.resp.ended;
  }

  /** Body bytes forwarded upstream / downstream so far (counted also without retainBodies). */
  get requestBodyBytes(): number {
    return this.fm.requestBodyBytes;
  }
  get responseBodyBytes(): number {
    return this.fm.responseBodyBytes;
  }
  /**
   * @internal Body bytes this stream holds in one direction under Envoy's watermark flow control (queued
   * behind a paused header callback, or held with StopIterationAndWatermark; not a body the filter buffers
   * against the buffer limit): a live proxy stops reading above its limit.
   */
  watermarkedBytes(isRequest: boolean): number {
    return (isRequest ? this.fm.req : this.fm.resp).watermarkedBytes;
  }
  /** @internal Body bytes given in one direction and not let through yet (queued, held or buffered). */
  notForwardedBytes(isRequest: boolean): number {
    return (isRequest ? this.fm.req : this.fm.resp).notForwardedBytes;
  }
  /** The header maps themselves (what properties and access logs read). */
  get requestHeaderMap(): HeaderMap | null {
    return this.fm.requestHeaderMap;
  }
  get responseHeaderMap(): HeaderMap | null {
    return this.fm.responseHeaderMap;
  }
  get finalRequestHeaders(): HeaderMap | null {
    return this.fm.finalRequestHeaders;
  }
  get finalResponseHeaders(): HeaderMap | null {
    return this.fm.finalResponseHeaders;
  }
  get finalResponseTrailers(): HeaderMap | null {
    return this.fm.finalResponseTrailers;
  }

  /** @internal For the filter manager: someone listens for `name` (EventEmitter's own count first). */
  listening(name: string): boolean {
    const count = (this as unknown as { _eventsCount: number | undefined })._eventsCount;
    return count !== undefined && count > 0 && this.listenerCount(name) > 0;
  }

  /** Envoy's codec: pseudo-headers a request or response lacks (normalizeHeaders). */
  private headerMap(init: HeadersInit, isRequest: boolean): HeaderMap {
    const map = HeaderMap.from(init);
    if (!this.env.options.normalizeHeaders) return map;
    const keys = map.keys;
    if (isRequest) {
      let seen = 0;
      for (let i = 0; i < keys.length && keys[i]!.charCodeAt(0) === 58; i++) {
        switch (keys[i]) {
          case ":method":
            seen |= 1;
            break;
          case ":path":
            seen |= 2;
            break;
          case ":authority":
            seen |= 4;
            break;
          case ":scheme":
            seen |= 8;
            break;
        }
      }
      if (seen !== 15) {
        for (let i = 0; i < REQUEST_DEFAULTS.length; i++) {
          if ((seen & (1 << i)) === 0) map.add(REQUEST_DEFAULTS[i]![0], REQUEST_DEFAULTS[i]![1]);
        }
      }
    } else if (keys.length === 0 || keys[0] !== ":status") {
      if (!map.has(":status")) map.add(":status", "200");
    }
    return map;
  }
}
