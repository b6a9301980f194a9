// One HTTP stream through the plugin, emulating Envoy's filter manager around a single Wasm filter:
// request headers → body chunks → trailers, then the response the same way, then on_log → on_done →
// on_delete. Return values map as in docs/abi.md §2.6; PAUSE holds the direction until proxy_continue_stream;
// local replies, resets and VM failures behave like Envoy's (fail-closed 503 / fail-open pass-through).

import { EventEmitter } from "node:events";
import { Body } from "./body.ts";
import { GRPC_UNAVAILABLE } from "./constants.ts";
import type { Context } from "./context.ts";
import type { HostEnv } from "./env.ts";
import { HeaderMap, type HeadersInit } from "./header-map.ts";
import type { Pairs } from "./pairs.ts";
import type { Vm } from "./vm.ts";

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

export interface LocalResponse {
  statusCode: number;
  /** Response code details (whitespace replaced by "_"), e.g. "wasm_fail_stream". */
  details: string;
  body: Buffer;
  /** Headers the plugin passed (lower-cased). */
  headers: Pairs;
  /** gRPC status if in 0..16, else null. */
  grpcStatus: number | null;
}

const HEADERS = 0;
const DATA = 1;
const TRAILERS = 2;

type Event =
  | { t: typeof HEADERS; map: HeaderMap; eos: boolean }
  | { t: typeof DATA; data: Buffer; eos: boolean }
  | { t: typeof TRAILERS; map: HeaderMap };

/** One direction (request or response) of the stream as the filter manager tracks it. */
class Flow {
  headers: HeaderMap | null = null;
  trailers: HeaderMap | null = null;
  /** Headers not yet forwarded (StopIteration / StopAll*). */
  headersHeld = false;
  /** The held headers came with end_of_stream: forwarding them on continue ends this direction. */
  headersEos = false;
  /** StopAll*: no callbacks until continue; input waits in `queue`. */
  stopAll = false;
  /** StopAllIterationAndBuffer (3 from a header callback): what waits in `queue` counts against the buffer limit. */
  stopAllBuffer = false;
  /** The filter stopped on data: `held` keeps what it did not let through. */
  dataStopped = false;
  /** StopIterationAndBuffer: the next body callback sees `held` plus the new chunk. */
  buffering = false;
  trailersHeld = false;
  /** The filter stopped on the last data chunk (end_of_stream), so the end is held too. */
  endPending = false;
  private heldBody: Body | null = null;
  /** Input that arrived while the filter held this direction (created on first use). */
  queue: Event[] | null = null;
  /** Body bytes in `queue`. */
  queuedBytes = 0;
  /** Copies of the body chunks forwarded (null until the first one; never filled without retainBodies). */
  forwarded: Buffer[] | null = null;
  forwardedBytes = 0;
  headersForwarded = false;
  /** End of stream went through to the other side. */
  ended = false;
  /** No more input is accepted (local reply, reset, completion). */
  aborted = false;

  constructor(readonly isRequest: boolean) {}

  /** What the filter held back of the body (created on first use). */
  get held(): Body {
    return (this.heldBody ??= new Body());
  }

  get heldLength(): number {
    return this.heldBody === null ? 0 : this.heldBody.length;
  }

  get queued(): boolean {
    return this.queue !== null && this.queue.length > 0;
  }

  enqueue(ev: Event): void {
    (this.queue ??= []).push(ev);
    if (ev.t === DATA) this.queuedBytes += ev.data.length;
  }

  /** The forwarded body, as one buffer. */
  body(): Buffer {
    return Buffer.concat(this.forwarded ?? NO_CHUNKS);
  }

  get stopped(): boolean {
    return this.stopAll || this.headersHeld || this.dataStopped || this.trailersHeld;
  }
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
  readonly protocol = "HTTP/1.1";
  /** Clock time (ms since the host started) when the stream began / completed. */
  readonly startMs: number;
  endMs: number | null = null;
  readonly connectionId: number;
  localResponse: LocalResponse | null = null;
  /** Set when the stream was reset (e.g. "wasm_close_stream"). */
  resetDetails: string | null = null;
  /** Envoy's response code details: "via_upstream", a local reply's details, "wasm_close_stream". */
  responseCodeDetails: string | null = null;
  completed = false;

  private readonly req = new Flow(true);
  private readonly resp = new Flow(false);
  /** Keep copies of forwarded body chunks for requestBody/responseBody. */
  private readonly retainBodies: boolean;
  /** The response currently flowing is a local reply (or the direct fail-closed reply). */
  private localReplyInFlight = false;
  private failureHandled = false;

  /** @internal Use ProxyWasmHost.http(). */
  constructor(
    private readonly env: HostEnv,
    private readonly vm: Vm | null,
    private readonly ctx: Context | null,
    connectionId: number,
    options?: HttpStreamOptions,
  ) {
    super();
    this.id = ctx?.id ?? 0;
    if (ctx) ctx.http = this;
    this.connectionId = connectionId;
    this.startMs = env.clock.nowMs();
    this.retainBodies = options?.retainBodies ?? env.options.retainBodies;
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
    return this.inputHeaders(this.req, this.headerMap(headers, true), endOfStream);
  }

  callOnRequestBody(chunk: string | Uint8Array, endOfStream = false): number | null {
    return this.inputData(this.req, oneChunk(chunk), endOfStream);
  }

  callOnRequestTrailers(trailers: HeadersInit): number | null {
    return this.inputTrailers(this.req, HeaderMap.from(trailers));
  }

  /** Upstream response headers. Ignored once a local reply replaced the response. */
  callOnResponseHeaders(headers: HeadersInit, endOfStream = false): number | null {
    const map = this.headerMap(headers, false);
    return this.localResponse !== null ? null : this.inputHeaders(this.resp, map, endOfStream);
  }

  callOnResponseBody(chunk: string | Uint8Array, endOfStream = false): number | null {
    const data = oneChunk(chunk);
    return this.localResponse !== null ? null : this.inputData(this.resp, data, endOfStream);
  }

  callOnResponseTrailers(trailers: HeadersInit): number | null {
    const map = HeaderMap.from(trailers);
    return this.localResponse !== null ? null : this.inputTrailers(this.resp, map);
  }

  /** Ends the stream: on_log (access-log phase), on_done, on_delete. Idempotent. */
  complete(): this {
    if (this.completed) return this;
    this.completed = true;
    this.req.aborted = this.resp.aborted = true;
    this.endMs = this.env.clock.nowMs();
    const vm = this.vm;
    const ctx = this.ctx;
    if (vm && ctx && !vm.failed && !ctx.deleted) {
      ctx.requestHeaders = ctx.requestTrailers = ctx.responseHeaders = ctx.responseTrailers = null;
      ctx.requestBody = ctx.responseBody = null;
      vm.createContext(ctx);
      const onLog = vm.cb.log;
      if (onLog !== undefined && !vm.failed) {
        ctx.accessLogPhase = true;
        vm.invoke(onLog, "proxy_on_log", ctx, 1, ctx.id, 0, 0, 0, 0);
        ctx.accessLogPhase = false;
      }
      vm.finishStream(ctx, vm.env.options.completionOrder);
    } else if (vm && ctx) {
      vm.contexts.delete(ctx.id);
    }
    if (this.listening("complete")) this.emit("complete");
    return this;
  }

  // ---- Inspection ---------------------------------------------------------------------------------

  /** Request headers as the filter left them (what goes upstream). */
  get requestHeaders(): Pairs {
    return this.req.headers?.toPairs() ?? [];
  }
  requestHeader(name: string): string | null {
    return this.req.headers?.get(name) ?? null;
  }
  /** Request body forwarded upstream so far. */
  get requestBody(): Buffer {
    return this.req.body();
  }
  get requestTrailers(): Pairs | null {
    return this.req.trailers?.toPairs() ?? null;
  }
  /** Response headers sent downstream (a local reply's headers if one was sent). */
  get responseHeaders(): Pairs {
    return this.resp.headers?.toPairs() ?? [];
  }
  responseHeader(name: string): string | null {
    return this.resp.headers?.get(name) ?? null;
  }
  get responseBody(): Buffer {
    return this.resp.body();
  }
  get responseTrailers(): Pairs | null {
    return this.resp.trailers?.toPairs() ?? null;
  }
  /** The request is held by the filter (PAUSE not yet continued). */
  get requestPaused(): boolean {
    return this.req.stopped && !this.req.aborted;
  }
  get responsePaused(): boolean {
    return this.resp.stopped && !this.resp.aborted;
  }
  /** Request headers went upstream / end of request went upstream. */
  get requestForwarded(): boolean {
    return this.req.headersForwarded;
  }
  get requestEnded(): boolean {
    return this.req.ended;
  }
  get responseEnded(): boolean {
    return this.resp.ended;
  }

  /** @internal Property and access-log views. */
  get requestHeaderMap(): HeaderMap | null {
    return this.req.headers;
  }
  get responseHeaderMap(): HeaderMap | null {
    return this.resp.headers;
  }
  get finalRequestHeaders(): HeaderMap | null {
    return this.req.headers;
  }
  get finalResponseHeaders(): HeaderMap | null {
    return this.resp.headers;
  }
  get finalResponseTrailers(): HeaderMap | null {
    return this.resp.trailers;
  }
  get requestBodyBytes(): number {
    return this.req.forwardedBytes;
  }
  get responseBodyBytes(): number {
    return this.resp.forwardedBytes;
  }

  // ---- Calls from host functions (deferred until the VM call returns) -----------------------------

  /** @internal Envoy addDecodedTrailers from on_request_body at end of stream. */
  addRequestTrailers(): HeaderMap {
    return (this.req.trailers = new HeaderMap());
  }
  /** @internal */
  addResponseTrailers(): HeaderMap {
    return (this.resp.trailers = new HeaderMap());
  }

  /** @internal proxy_continue_stream(HTTP_REQUEST). */
  continueRequest(): void {
    this.resume(this.req);
  }
  /** @internal proxy_continue_stream(HTTP_RESPONSE). */
  continueResponse(): void {
    this.resume(this.resp);
  }

  /** @internal proxy_close_stream: Envoy resets the stream, then logs and destroys the filter. */
  resetStream(details: string): void {
    if (this.completed || this.resetDetails !== null) return;
    this.resetDetails = details;
    this.responseCodeDetails ??= details;
    this.req.aborted = this.resp.aborted = true;
    this.emit("reset", details);
    this.complete();
  }

  /** @internal proxy_send_local_response, after the callback returned. */
  sendLocalReply(reply: LocalResponse): void {
    if (this.completed || this.localResponse !== null) return;
    const resp = this.resp;
    if (resp.headersForwarded) {
      // Headers already went downstream: Envoy can only reset the stream.
      this.resetStream(reply.details || "wasm_local_reply_after_headers");
      return;
    }
    this.localResponse = reply;
    this.responseCodeDetails = reply.details;
    this.req.aborted = true;
    this.emit("localResponse", reply);
    const { headers, body } = this.localReplyMessage(reply);
    const viaFilter =
      !this.responseStarted() && this.vm !== null && !this.vm.failed && this.env.options.localReplyThroughFilter;
    this.restartResponse();
    this.localReplyInFlight = true;
    if (viaFilter) {
      this.deliver(resp, { t: HEADERS, map: headers, eos: body.length === 0 });
      if (body.length > 0 && !resp.aborted) this.inputData(resp, body, true);
    } else {
      this.forwardHeaders(resp, headers, body.length === 0);
      if (body.length > 0) this.forwardData(resp, body, true);
    }
  }

  /**
   * @internal Body bytes this stream holds in one direction under Envoy's watermark flow control (queued
   * behind a paused header callback, or held with StopIterationAndWatermark): a live proxy stops reading
   * above its limit. A body the filter buffers (StopIterationAndBuffer) is not counted: it must arrive whole,
   * and the buffer limit bounds it.
   */
  watermarkedBytes(isRequest: boolean): number {
    const f = isRequest ? this.req : this.resp;
    return (f.stopAllBuffer ? 0 : f.queuedBytes) + (f.buffering ? 0 : f.heldLength);
  }

  // ---- The filter manager -------------------------------------------------------------------------

  /**
   * The filter buffered more than the buffer limit (StopIterationAndBuffer from a body callback, or
   * StopAllIterationAndBuffer from a header callback): Envoy's filter manager answers
   * 413 for a request, 500 for a response, or resets the stream if the response already went downstream.
   */
  private bufferOverflow(f: Flow): void {
    f.held.take();
    if (f.queue !== null) f.queue.length = 0;
    f.queuedBytes = 0;
    f.dataStopped = f.buffering = f.stopAllBuffer = false;
    if (this.ctx) {
      if (f.isRequest) this.ctx.requestBody = null;
      else this.ctx.responseBody = null;
    }
    const details = f.isRequest ? "request_payload_too_large" : "response_payload_too_large";
    if (!f.isRequest && this.resp.headersForwarded) {
      this.resetStream(details);
      return;
    }
    this.sendLocalReply({
      statusCode: f.isRequest ? 413 : 500,
      details,
      body: Buffer.from(f.isRequest ? "Payload Too Large" : "Internal Server Error"),
      headers: [],
      grpcStatus: null,
    });
  }

  /** Someone listens for `name` (EventEmitter's own count first: usually nobody listens at all). */
  private listening(name: string): boolean {
    const count = (this as unknown as { _eventsCount: number | undefined })._eventsCount;
    return count !== undefined && count > 0 && this.listenerCount(name) > 0;
  }

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

  private localReplyMessage(reply: LocalResponse): { headers: HeaderMap; body: Buffer } {
    const headers = new HeaderMap();
    const contentType = this.req.headers?.get("content-type") ?? "";
    if (reply.grpcStatus !== null && contentType.startsWith("application/grpc")) {
      headers.add(":status", "200");
      headers.add("content-type", "application/grpc");
      headers.add("grpc-status", String(reply.grpcStatus));
      if (reply.body.length > 0) headers.add("grpc-message", encodeURIComponent(reply.body.toString("utf8")));
      for (const [k, v] of reply.headers) headers.add(k, v);
      return { headers, body: EMPTY };
    }
    headers.add(":status", String(reply.statusCode));
    for (const [k, v] of reply.headers) headers.add(k, v);
    if (reply.body.length > 0) {
      headers.set("content-length", String(reply.body.length));
      if (!headers.has("content-type")) headers.add("content-type", "text/plain");
    }
    return { headers, body: reply.body };
  }

  private responseStarted(): boolean {
    return this.resp.headers !== null;
  }

  /** Forget a partly received upstream response (a local reply replaces it). */
  private restartResponse(): void {
    const r = this.resp;
    if (r.queue !== null) r.queue.length = 0;
    r.queuedBytes = 0;
    r.stopAll = r.stopAllBuffer = r.headersHeld = r.dataStopped = r.buffering = r.trailersHeld = false;
    r.held.take();
    r.headers = r.trailers = null;
    if (this.ctx) this.ctx.responseHeaders = this.ctx.responseBody = this.ctx.responseTrailers = null;
  }

  /** Input must wait: the filter stopped everything, earlier input waits, or the request is held. */
  private mustWait(f: Flow): boolean {
    return f.stopAll || f.queued || (!f.isRequest && this.req.stopped && !this.req.aborted);
  }

  private inputHeaders(f: Flow, map: HeaderMap, eos: boolean): number | null {
    if (this.completed || f.aborted) return null;
    if (this.mustWait(f)) {
      f.enqueue({ t: HEADERS, map, eos });
      return null;
    }
    return this.onHeaders(f, map, eos);
  }

  private inputData(f: Flow, data: Buffer, eos: boolean): number | null {
    if (this.completed || f.aborted) return null;
    if (this.mustWait(f)) {
      f.enqueue({ t: DATA, data, eos });
      const limit = this.env.options.bufferLimit;
      if (f.stopAllBuffer && limit > 0 && f.queuedBytes > limit) this.bufferOverflow(f);
      return null;
    }
    return this.onData(f, data, eos);
  }

  private inputTrailers(f: Flow, map: HeaderMap): number | null {
    if (this.completed || f.aborted) return null;
    if (this.mustWait(f)) {
      f.enqueue({ t: TRAILERS, map });
      return null;
    }
    return this.onTrailers(f, map);
  }

  private deliver(f: Flow, ev: Event): number | null {
    if (ev.t === HEADERS) return this.onHeaders(f, ev.map, ev.eos);
    if (ev.t === DATA) return this.onData(f, ev.data, ev.eos);
    return this.onTrailers(f, ev.map);
  }

  /** The plugin can run for this stream (a loaded, configured, not failed VM). */
  private live(): boolean {
    const vm = this.vm;
    return vm !== null && this.ctx !== null && !vm.failed && vm.configured;
  }

  /** Input while the plugin cannot run: fail-open passes it through, fail-closed sends the 503. */
  private notLive(f: Flow, ev: Event): null {
    if (!this.failOpen()) this.failStream();
    else if (!f.aborted) this.passThrough(f, ev);
    return null;
  }

  private failOpen(): boolean {
    return this.env.options.failOpen;
  }

  /** Envoy failStream: a 503 local reply, once, without calling the VM. */
  private failStream(): void {
    if (this.failureHandled || this.completed) return;
    this.failureHandled = true;
    const reply: LocalResponse = {
      statusCode: 503,
      details: "wasm_fail_stream",
      body: EMPTY,
      headers: [],
      grpcStatus: GRPC_UNAVAILABLE,
    };
    if (this.resp.headersForwarded) {
      this.resetStream("wasm_fail_stream");
      return;
    }
    this.sendLocalReply(reply);
    this.complete();
  }

  private afterFailure(f: Flow, ev: Event): number | null {
    if (this.failOpen()) {
      this.passThrough(f, ev);
      return null;
    }
    this.failStream();
    return null;
  }

  private passThrough(f: Flow, ev: Event): void {
    if (ev.t === HEADERS) {
      f.headers = ev.map;
      this.forwardHeaders(f, ev.map, ev.eos);
    } else if (ev.t === DATA) {
      this.forwardData(f, ev.data, ev.eos);
    } else {
      f.trailers = ev.map;
      this.forwardTrailers(f);
    }
  }

  private onHeaders(f: Flow, map: HeaderMap, eos: boolean): number | null {
    f.headers = map;
    if (!this.live()) return this.notLive(f, { t: HEADERS, map, eos });
    const vm = this.vm!;
    const ctx = this.ctx!;
    vm.createContext(ctx);
    if (vm.failed) return this.afterFailure(f, { t: HEADERS, map, eos });
    const fn = f.isRequest ? vm.cb.requestHeaders : vm.cb.responseHeaders;
    if (f.isRequest) ctx.requestHeaders = map;
    else ctx.responseHeaders = map;
    ctx.endOfStream = eos;
    let r = 0;
    if (fn !== undefined) {
      const name = f.isRequest ? "proxy_on_request_headers" : "proxy_on_response_headers";
      r = vm.invoke(fn, name, ctx, vm.abi === "0.1.0" ? 2 : 3, ctx.id, map.size, eos ? 1 : 0, 0, 0);
    }
    if (vm.stopNext) {
      vm.stopNext = false;
      r = 4;
    }
    if (vm.failed) return this.afterFailure(f, { t: HEADERS, map, eos });
    if (f.aborted || this.completed) return r;
    const v = r >>> 0;
    if (v === 0 || v === 2) {
      if (f.isRequest) ctx.requestHeaders = null;
      else ctx.responseHeaders = null;
      this.forwardHeaders(f, map, eos);
    } else {
      f.headersHeld = true;
      f.headersEos = eos;
      if (v !== 1 || !this.env.options.allowOnHeadersStopIteration) f.stopAll = true;
      f.stopAllBuffer = v === 3;
    }
    return r;
  }

  private onData(f: Flow, chunk: Buffer, eos: boolean): number | null {
    if (!this.live()) return this.notLive(f, { t: DATA, data: chunk, eos });
    const vm = this.vm!;
    const ctx = this.ctx!;
    let visible: Body;
    if (f.buffering) {
      f.held.append(chunk);
      visible = f.held;
    } else {
      visible = new Body(chunk);
    }
    const fn = f.isRequest ? vm.cb.requestBody : vm.cb.responseBody;
    if (f.isRequest) ctx.requestBody = visible;
    else ctx.responseBody = visible;
    ctx.endOfStream = eos;
    let r = 0;
    if (fn !== undefined) {
      const name = f.isRequest ? "proxy_on_request_body" : "proxy_on_response_body";
      r = vm.invoke(fn, name, ctx, 3, ctx.id, visible.length, eos ? 1 : 0, 0, 0);
    }
    if (vm.stopNext) {
      vm.stopNext = false;
      r = 3;
    }
    if (vm.failed) return this.afterFailure(f, { t: DATA, data: visible === f.held ? f.held.take() : visible.data, eos });
    if (f.aborted || this.completed) return r;
    const v = r >>> 0;
    f.buffering = false;
    if (v === 0) {
      if (f.isRequest) ctx.requestBody = null;
      else ctx.responseBody = null;
      f.dataStopped = false;
      const data = visible === f.held ? f.held.take() : Buffer.concat([f.held.take(), visible.data]);
      this.forwardData(f, data, eos);
      if (eos) this.unblocked(f);
    } else {
      f.dataStopped = true;
      if (v === 1) {
        if (visible !== f.held) f.held.append(visible.data);
        const limit = this.env.options.bufferLimit;
        if (limit > 0 && f.held.length > limit) {
          this.bufferOverflow(f);
          return r;
        }
        f.buffering = true;
        if (f.isRequest) ctx.requestBody = f.held;
        else ctx.responseBody = f.held;
      } else if (v === 2) {
        if (visible !== f.held) f.held.append(visible.data);
      }
      if (eos) f.endPending = true;
    }
    return r;
  }

  private onTrailers(f: Flow, map: HeaderMap): number | null {
    f.trailers = map;
    if (!this.live()) return this.notLive(f, { t: TRAILERS, map });
    const vm = this.vm!;
    const ctx = this.ctx!;
    const fn = f.isRequest ? vm.cb.requestTrailers : vm.cb.responseTrailers;
    if (f.isRequest) ctx.requestTrailers = map;
    else ctx.responseTrailers = map;
    let r = 0;
    if (fn !== undefined) {
      const name = f.isRequest ? "proxy_on_request_trailers" : "proxy_on_response_trailers";
      r = vm.invoke(fn, name, ctx, 2, ctx.id, map.size, 0, 0, 0);
    }
    if (vm.stopNext) {
      vm.stopNext = false;
      r = 1;
    }
    if (vm.failed) return this.afterFailure(f, { t: TRAILERS, map });
    if (f.aborted || this.completed) return r;
    if (r === 0) {
      if (f.isRequest) ctx.requestTrailers = null;
      else ctx.responseTrailers = null;
      this.forwardTrailers(f);
    } else {
      f.trailersHeld = true;
    }
    return r;
  }

  /** continueDecoding / continueEncoding: release what the filter held, then deliver queued input. */
  private resume(f: Flow): void {
    if (this.completed || f.aborted || !f.stopped) return;
    f.stopAll = f.stopAllBuffer = false;
    f.buffering = false;
    if (f.headersHeld) this.forwardHeaders(f, f.headers!, f.headersEos);
    if (f.dataStopped) {
      f.dataStopped = false;
      this.forwardData(f, f.held.take(), f.endPending);
    }
    if (f.trailersHeld) {
      f.trailersHeld = false;
      this.forwardTrailers(f);
    }
    this.drain(f);
    this.unblocked(f);
  }

  /** Delivers queued input; consecutive data chunks go to the filter as one (Envoy's buffered data). */
  private drain(f: Flow): void {
    const queue = f.queue;
    if (queue === null) return;
    while (queue.length > 0 && !f.stopAll && !f.aborted && !this.completed) {
      const ev = queue.shift()!;
      if (ev.t === DATA) {
        const chunks = [ev.data];
        let eos = ev.eos;
        while (queue.length > 0 && queue[0]!.t === DATA) {
          const next = queue.shift() as { data: Buffer; eos: boolean };
          chunks.push(next.data);
          eos = next.eos;
        }
        const data = chunks.length === 1 ? ev.data : Buffer.concat(chunks);
        f.queuedBytes -= data.length;
        this.deliver(f, { t: DATA, data, eos });
      } else {
        this.deliver(f, ev);
      }
    }
  }

  /** When the request stops being held, upstream can answer: deliver any queued response. */
  private unblocked(f: Flow): void {
    if (f.isRequest && !f.stopped && !f.queued && !this.resp.stopAll) this.drain(this.resp);
  }

  private forwardHeaders(f: Flow, map: HeaderMap, eos: boolean): void {
    f.headers = map;
    f.headersHeld = false;
    f.headersForwarded = true;
    if (!f.isRequest && this.responseCodeDetails === null) this.responseCodeDetails = "via_upstream";
    const name = f.isRequest ? "requestHeaders" : "responseHeaders";
    if (this.listening(name)) this.emit(name, map.toPairs(), eos);
    if (eos) this.ended(f);
    else if (f.isRequest) this.unblocked(f);
  }

  private forwardData(f: Flow, data: Buffer, eos: boolean): void {
    if (f.headersHeld && f.headers) this.forwardHeaders(f, f.headers, false);
    if (data.length > 0) {
      if (this.retainBodies) (f.forwarded ??= []).push(data);
      f.forwardedBytes += data.length;
    }
    if (data.length > 0 || eos) {
      const name = f.isRequest ? "requestBody" : "responseBody";
      if (this.listening(name)) this.emit(name, data, eos);
    }
    if (eos) this.ended(f);
  }

  private forwardTrailers(f: Flow): void {
    if (f.headersHeld && f.headers) this.forwardHeaders(f, f.headers, false);
    if (f.dataStopped || f.heldLength > 0) {
      f.dataStopped = false;
      this.forwardData(f, f.held.take(), false);
    }
    const name = f.isRequest ? "requestTrailers" : "responseTrailers";
    if (this.listening(name)) this.emit(name, f.trailers?.toPairs() ?? []);
    this.ended(f);
  }

  private ended(f: Flow): void {
    f.ended = true;
    if (f.isRequest) {
      this.unblocked(f);
    } else if (this.localReplyInFlight) {
      this.complete();
    }
  }
}
