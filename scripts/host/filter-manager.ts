// Envoy's filter manager (source/common/http/filter_manager.cc: FilterManager and its ActiveStream*Filter
// wrappers) around the one Wasm filter of an HTTP stream: request headers → body chunks → trailers
// (decoding), then the response the same way (encoding), then on_log → on_done → on_delete. Return values
// map as in docs/abi.md §2.6; a stop holds the direction until proxy_continue_stream (commonContinue); local
// replies, resets and VM failures behave like Envoy's (fail-closed 503 / fail-open pass-through). The
// public face is HttpStream (http-stream.ts); host functions reach this through Context.http.

import { Body } from "./body.ts";
import { GRPC_UNAVAILABLE } from "./constants.ts";
import type { Context } from "./context.ts";
import type { HostEnv } from "./env.ts";
import { HeaderMap } from "./header-map.ts";
import { localReplyMessage, type LocalResponse } from "./local-reply.ts";
import type { Vm } from "./vm.ts";

/** Where the filter manager reports what crosses the filter (the public HttpStream: an EventEmitter). */
export interface StreamEventSink {
  /** Someone listens for `name` (cheap: most streams have no listener). */
  listening(name: string): boolean;
  emit(name: string, ...args: unknown[]): boolean;
}

const HEADERS = 0;
const DATA = 1;
const TRAILERS = 2;

type Event =
  | { t: typeof HEADERS; map: HeaderMap; eos: boolean }
  | { t: typeof DATA; data: Buffer; eos: boolean }
  | { t: typeof TRAILERS; map: HeaderMap };

/**
 * One direction of the stream (request: decoding, response: encoding) as the filter manager tracks it
 * for its one Wasm filter: the filter's iteration state (Envoy ActiveStreamDecoderFilter /
 * ActiveStreamEncoderFilter), what it holds back, input waiting behind it, what went through.
 */
export class Direction {
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

  /**
   * Body bytes held under Envoy's watermark flow control (queued behind a paused header callback, or held
   * with StopIterationAndWatermark): a live proxy stops reading above its limit. A body the filter buffers
   * (StopIterationAndBuffer) is not counted: it must arrive whole, and the buffer limit bounds it.
   */
  get watermarkedBytes(): number {
    return (this.stopAllBuffer ? 0 : this.queuedBytes) + (this.buffering ? 0 : this.heldLength);
  }

  /** Body bytes given to this direction and not forwarded yet: queued behind a paused callback or held. */
  get notForwardedBytes(): number {
    return this.queuedBytes + this.heldLength;
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

export class FilterManager {
  /** Clock time (ms since the host started) when the stream began / completed. */
  readonly startMs: number;
  endMs: number | null = null;
  readonly protocol = "HTTP/1.1";
  localResponse: LocalResponse | null = null;
  /** Set when the stream was reset (e.g. "wasm_close_stream"). */
  resetDetails: string | null = null;
  /** Envoy's response code details: "via_upstream", a local reply's details, "wasm_close_stream". */
  responseCodeDetails: string | null = null;
  completed = false;

  readonly req = new Direction(true);
  readonly resp = new Direction(false);
  /** The response currently flowing is a local reply (or the direct fail-closed reply). */
  private localReplyInFlight = false;
  private failureHandled = false;

  constructor(
    private readonly env: HostEnv,
    private readonly vm: Vm | null,
    private readonly ctx: Context | null,
    readonly connectionId: number,
    /** Keep copies of forwarded body chunks for requestBody/responseBody. */
    private readonly retainBodies: boolean,
    private readonly sink: StreamEventSink,
  ) {
    if (ctx) ctx.http = this;
    this.startMs = env.clock.nowMs();
  }

  // ---- Input from downstream (decoding) and upstream (encoding) ------------------------------------
  // Each returns what the callback returned, or null if it did not run now (stream paused, finished,
  // VM failed, or no such export).

  decodeHeaders(map: HeaderMap, endOfStream: boolean): number | null {
    return this.inputHeaders(this.req, map, endOfStream);
  }

  decodeData(data: Buffer, endOfStream: boolean): number | null {
    return this.inputData(this.req, data, endOfStream);
  }

  decodeTrailers(map: HeaderMap): number | null {
    return this.inputTrailers(this.req, map);
  }

  /** Upstream response headers; ignored once a local reply replaced the response. */
  encodeHeaders(map: HeaderMap, endOfStream: boolean): number | null {
    return this.localResponse !== null ? null : this.inputHeaders(this.resp, map, endOfStream);
  }

  encodeData(data: Buffer, endOfStream: boolean): number | null {
    return this.localResponse !== null ? null : this.inputData(this.resp, data, endOfStream);
  }

  encodeTrailers(map: HeaderMap): number | null {
    return this.localResponse !== null ? null : this.inputTrailers(this.resp, map);
  }

  /** Ends the stream: on_log (access-log phase), on_done, on_delete. Idempotent. */
  complete(): void {
    if (this.completed) return;
    this.completed = true;
    this.req.aborted = this.resp.aborted = true;
    this.endMs = this.env.clock.nowMs();
    const vm = this.vm;
    const ctx = this.ctx;
    if (vm && ctx && !vm.failed && !ctx.deleted) {
      ctx.requestHeaders = ctx.requestTrailers = ctx.responseHeaders = ctx.responseTrailers = null;
      ctx.requestBody = ctx.responseBody = null;
      vm.createContext(ctx);
      const onLog = vm.cb.proxy_on_log;
      if (onLog !== null && !vm.failed) {
        ctx.accessLogPhase = true;
        vm.invoke(onLog, ctx, ctx.id);
        ctx.accessLogPhase = false;
      }
      vm.finishStream(ctx, vm.env.options.completionOrder);
    } else if (vm && ctx) {
      vm.contexts.delete(ctx.id);
    }
    if (this.sink.listening("complete")) this.sink.emit("complete");
  }

  // ---- Views for properties, access logs and the public stream -----------------------------------

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

  /** Envoy addDecodedTrailers, from on_request_body at end of stream. */
  addDecodedTrailers(): HeaderMap {
    return (this.req.trailers = new HeaderMap());
  }
  /** Envoy addEncodedTrailers, from on_response_body at end of stream. */
  addEncodedTrailers(): HeaderMap {
    return (this.resp.trailers = new HeaderMap());
  }

  /** proxy_continue_stream(HTTP_REQUEST): continueDecoding. */
  continueDecoding(): void {
    this.commonContinue(this.req);
  }
  /** proxy_continue_stream(HTTP_RESPONSE): continueEncoding. */
  continueEncoding(): void {
    this.commonContinue(this.resp);
  }

  /** proxy_close_stream: Envoy resets the stream, then logs and destroys the filter. */
  resetStream(details: string): void {
    if (this.completed || this.resetDetails !== null) return;
    this.resetDetails = details;
    this.responseCodeDetails ??= details;
    this.req.aborted = this.resp.aborted = true;
    this.sink.emit("reset", details);
    this.complete();
  }

  /** proxy_send_local_response, after the callback returned (also the fail-closed 503). */
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
    this.sink.emit("localResponse", reply);
    const { headers, body } = localReplyMessage(reply, this.req.headers?.get("content-type") ?? "");
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

  // ---- The state machine -------------------------------------------------------------------------

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
  private mustWait(f: Direction): boolean {
    return f.stopAll || f.queued || (!f.isRequest && this.req.stopped && !this.req.aborted);
  }

  private inputHeaders(f: Direction, map: HeaderMap, eos: boolean): number | null {
    if (this.completed || f.aborted) return null;
    if (this.mustWait(f)) {
      f.enqueue({ t: HEADERS, map, eos });
      return null;
    }
    return this.onHeaders(f, map, eos);
  }

  private inputData(f: Direction, data: Buffer, eos: boolean): number | null {
    if (this.completed || f.aborted) return null;
    if (this.mustWait(f)) {
      f.enqueue({ t: DATA, data, eos });
      const limit = this.env.options.bufferLimit;
      if (f.stopAllBuffer && limit > 0 && f.queuedBytes > limit) this.bufferOverflow(f);
      return null;
    }
    return this.onData(f, data, eos);
  }

  private inputTrailers(f: Direction, map: HeaderMap): number | null {
    if (this.completed || f.aborted) return null;
    if (this.mustWait(f)) {
      f.enqueue({ t: TRAILERS, map });
      return null;
    }
    return this.onTrailers(f, map);
  }

  private deliver(f: Direction, ev: Event): number | null {
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
  private notLive(f: Direction, ev: Event): null {
    if (!this.failOpen()) this.failStream();
    else if (!f.aborted) this.passThrough(f, ev);
    return null;
  }

  private failOpen(): boolean {
    return this.env.options.failOpen;
  }

  /**
   * The filter buffered more than the buffer limit (StopIterationAndBuffer from a body callback, or
   * StopAllIterationAndBuffer from a header callback): Envoy's filter manager answers 413 for a request
   * (requestDataTooLarge), 500 for a response (responseDataTooLarge), or resets the stream if the response
   * already went downstream.
   */
  private bufferOverflow(f: Direction): void {
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

  private afterFailure(f: Direction, ev: Event): number | null {
    if (this.failOpen()) {
      this.passThrough(f, ev);
      return null;
    }
    this.failStream();
    return null;
  }

  private passThrough(f: Direction, ev: Event): void {
    if (ev.t === HEADERS) {
      f.headers = ev.map;
      this.forwardHeaders(f, ev.map, ev.eos);
    } else if (ev.t === DATA) {
      // A callback that cannot run counts as Continue, which releases what the filter held first
      // (body kept with StopIterationAndWatermark, or buffered in a chunk before this one).
      f.dataStopped = f.buffering = false;
      const held = f.held.take();
      this.forwardData(f, held.length > 0 ? Buffer.concat([held, ev.data]) : ev.data, ev.eos);
    } else {
      f.trailers = ev.map;
      this.forwardTrailers(f);
    }
  }

  private onHeaders(f: Direction, map: HeaderMap, eos: boolean): number | null {
    f.headers = map;
    if (!this.live()) return this.notLive(f, { t: HEADERS, map, eos });
    const vm = this.vm!;
    const ctx = this.ctx!;
    vm.createContext(ctx);
    if (vm.failed) return this.afterFailure(f, { t: HEADERS, map, eos });
    const fn = f.isRequest ? vm.cb.proxy_on_request_headers : vm.cb.proxy_on_response_headers;
    if (f.isRequest) ctx.requestHeaders = map;
    else ctx.responseHeaders = map;
    ctx.endOfStream = eos;
    let r = 0;
    if (fn !== null) r = vm.invoke(fn, ctx, ctx.id, map.size, eos ? 1 : 0);
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

  private onData(f: Direction, chunk: Buffer, eos: boolean): number | null {
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
    const fn = f.isRequest ? vm.cb.proxy_on_request_body : vm.cb.proxy_on_response_body;
    if (f.isRequest) ctx.requestBody = visible;
    else ctx.responseBody = visible;
    ctx.endOfStream = eos;
    let r = 0;
    if (fn !== null) r = vm.invoke(fn, ctx, ctx.id, visible.length, eos ? 1 : 0);
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

  private onTrailers(f: Direction, map: HeaderMap): number | null {
    f.trailers = map;
    if (!this.live()) return this.notLive(f, { t: TRAILERS, map });
    const vm = this.vm!;
    const ctx = this.ctx!;
    const fn = f.isRequest ? vm.cb.proxy_on_request_trailers : vm.cb.proxy_on_response_trailers;
    if (f.isRequest) ctx.requestTrailers = map;
    else ctx.responseTrailers = map;
    let r = 0;
    if (fn !== null) r = vm.invoke(fn, ctx, ctx.id, map.size);
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

  /** Envoy commonContinue: release what the filter held, then deliver queued input. */
  private commonContinue(f: Direction): void {
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
  private drain(f: Direction): void {
    const queue = f.queue;
    if (queue === null) return;
    while (queue.length > 0 && !f.stopAll && !f.aborted && !this.completed) {
      const ev = queue.shift()!;
      if (ev.t === DATA) {
        // Joined once (not a copy per queued chunk).
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
  private unblocked(f: Direction): void {
    if (f.isRequest && !f.stopped && !f.queued && !this.resp.stopAll) this.drain(this.resp);
  }

  private forwardHeaders(f: Direction, map: HeaderMap, eos: boolean): void {
    f.headers = map;
    f.headersHeld = false;
    f.headersForwarded = true;
    if (!f.isRequest && this.responseCodeDetails === null) this.responseCodeDetails = "via_upstream";
    const name = f.isRequest ? "requestHeaders" : "responseHeaders";
    if (this.sink.listening(name)) this.sink.emit(name, map.toPairs(), eos);
    if (eos) this.ended(f);
    else if (f.isRequest) this.unblocked(f);
  }

  private forwardData(f: Direction, data: Buffer, eos: boolean): void {
    if (f.headersHeld && f.headers) this.forwardHeaders(f, f.headers, false);
    if (data.length > 0) {
      if (this.retainBodies) (f.forwarded ??= []).push(data);
      f.forwardedBytes += data.length;
    }
    if (data.length > 0 || eos) {
      const name = f.isRequest ? "requestBody" : "responseBody";
      if (this.sink.listening(name)) this.sink.emit(name, data, eos);
    }
    if (eos) this.ended(f);
  }

  private forwardTrailers(f: Direction): void {
    if (f.headersHeld && f.headers) this.forwardHeaders(f, f.headers, false);
    if (f.dataStopped || f.heldLength > 0) {
      f.dataStopped = false;
      this.forwardData(f, f.held.take(), false);
    }
    const name = f.isRequest ? "requestTrailers" : "responseTrailers";
    if (this.sink.listening(name)) this.sink.emit(name, f.trailers?.toPairs() ?? []);
    this.ended(f);
  }

  private ended(f: Direction): void {
    f.ended = true;
    if (f.isRequest) {
      this.unblocked(f);
    } else if (this.localReplyInFlight) {
      this.complete();
    }
  }
}
