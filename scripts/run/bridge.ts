/**
 * One downstream request through the filter: a node:http (req, res) pair on one side, a stream of the
 * filter's VM (in its worker thread) on the other, the upstream behind it. Envoy's filter manager order:
 *
 *   client ─ headers, body chunks, trailers ─▶ filter (on_request_*) ─ what it forwards ─▶ upstream
 *   client ◀─ what it forwards ─ filter (on_response_*) ◀─ status, headers, body, trailers ─ upstream
 *
 * The stream's events say what the filter let through and when (after a Pause, only once the plugin calls
 * continue); a local reply replaces the response and the upstream is never contacted (or is abandoned).
 * The last body chunk is held back until the message ends, so that, as in Envoy's HTTP/1 codec, a small
 * body reaches the filter as one chunk with end_of_stream.
 *
 * The router's part is here too: Envoy's route timeout (504 "upstream request timeout" once the request
 * went upstream whole and no response came), its 503 when the upstream cannot be reached, both sent back
 * through the filter's response callbacks. When the VM is lost (a trap, a callback that did not return),
 * the stream fails as in Envoy (docs/abi.md §2.10): fail-closed, a 503 if no response headers came through
 * the filter yet, else a reset (the client sees the response cut short); fail-open, what the filter was
 * given and had not let through goes on without it, and the rest of the stream bypasses it.
 */
import { randomUUID } from "node:crypto";
import type { ClientRequest, IncomingMessage, ServerResponse } from "node:http";
import type { Pairs } from "../host/index.ts";
import type { AccessLogEntry } from "./access-log.ts";
import type { VmStream } from "./filter-vm.ts";
import { pairValue, rawPairs, requestHasBody, requestPairs, responseHasBody, responsePairs } from "./http1.ts";
import type { Endpoint } from "./upstream.ts";
import type { Direction } from "./vm-protocol.ts";
import { RequestTrace } from "./trace.ts";
import { MessageWriter, requestZeroLength, responseZeroLength } from "./writer.ts";

const EMPTY = Buffer.alloc(0);

export interface BridgeEnvironment {
  /** A stream in the current VM. */
  openStream(): VmStream;
  upstream: Endpoint;
  failOpen: boolean;
  /** Envoy's route timeout in ms (0: none). */
  routeTimeoutMs: number;
  /** Bytes of a message kept to replay it without the filter (with fail-open, after a lost VM). */
  replayLimit: number;
  /** True once the proxy is draining: responses get `connection: close`. */
  closing(): boolean;
  /** A line for the operator (stderr). */
  report(line: string): void;
  /** Called once per finished exchange. */
  accessLog(entry: AccessLogEntry): void;
  /** With --trace: where each request's trace lines go (null: no trace). */
  trace: ((line: string) => void) | null;
  /** The number of this request, for the trace (1, 2, …). */
  requestNumber(): number;
}

/** A local reply of the router (not the filter): status, body and Envoy's response code details. */
export interface RouterReply {
  status: number;
  body: string;
  details: string;
  /** Envoy's response flag for the access log (UF, UC, UT). */
  flag: string;
}

/** Envoy's reply when the upstream cannot be reached or resets before the response headers. */
export function upstreamResetReply(refused: boolean): RouterReply {
  const reason = refused ? "connection failure" : "connection termination";
  return {
    status: 503,
    body: `upstream connect error or disconnect/reset before headers. reset reason: ${reason}`,
    details: `upstream_reset_before_response_started{${reason.replace(" ", "_")}}`,
    flag: refused ? "UF" : "UC",
  };
}

/** Envoy's route timeout. */
export const ROUTE_TIMEOUT_REPLY: RouterReply = { status: 504, body: "upstream request timeout", details: "upstream_response_timeout", flag: "UT" };

/**
 * What the filter was given of one message and has not let through yet, kept with fail-open so that the
 * message can go on without the filter when its VM is lost (Envoy: the failed callback returns Continue).
 */
class Replay {
  /** Headers given and not let through (null: none came yet, or they went through). */
  headers: Pairs | null = null;
  headersEos = false;
  /**
   * Body chunks given and not let through: the first `handled` of them went through their callback (of
   * those, only the tail the filter still holds is kept), the rest are on their way to the VM.
   */
  readonly chunks: Buffer[] = [];
  bytes = 0;
  private handled = 0;
  private handledBytes = 0;
  /** Trailers given and not let through. */
  trailers: Pairs | null = null;
  /** The whole message was given to the filter. */
  ended = false;
  /** False once the body held here outgrew the limit (or always, without fail-open). */
  usable: boolean;

  constructor(enabled: boolean) {
    this.usable = enabled;
  }

  /** The filter let `part` through (a body: all it held; a chunk whose callback runs goes on its handled). */
  passed(part: "headers" | "body" | "trailers"): void {
    if (part === "headers") this.headers = null;
    else if (part === "trailers") this.trailers = null;
    else this.keepHandled(0);
  }

  /** A chunk's callback returned; the filter now holds `held` bytes of this body. */
  chunkHandled(held: number): void {
    if (this.handled >= this.chunks.length) return;
    this.handledBytes += this.chunks[this.handled]!.length;
    this.handled++;
    this.keepHandled(held);
  }

  /** Keeps the last `held` bytes of the handled chunks (all of them if the filter grew its buffer). */
  private keepHandled(held: number): void {
    while (this.handled > 0 && this.handledBytes - this.chunks[0]!.length >= held) {
      const dropped = this.chunks.shift()!;
      this.handled--;
      this.handledBytes -= dropped.length;
      this.bytes -= dropped.length;
    }
    if (this.handled > 0 && this.handledBytes > held) {
      const cut = this.handledBytes - held;
      this.chunks[0] = this.chunks[0]!.subarray(cut);
      this.handledBytes -= cut;
      this.bytes -= cut;
    }
  }

  /** Sent on without the filter. */
  clear(): void {
    this.chunks.length = this.handled = this.handledBytes = this.bytes = 0;
  }
}

export class StreamBridge {
  /** Resolves once the client's response is finished or abandoned and the stream completed. */
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private stream!: VmStream;
  private upstreamRequest: ClientRequest | null = null;
  private upstreamResponse: IncomingMessage | null = null;
  /** The client's method, then the one the filter sent upstream (a HEAD response has no body). */
  private method: string;
  private readonly requestWriter: MessageWriter;
  private readonly responseWriter: MessageWriter;
  private finished = false;
  /** The filter is out of the way (fail-open after the VM was lost): messages go straight through. */
  private bypass = false;
  private readonly replay: [Replay, Replay];
  private routeTimer: NodeJS.Timeout | null = null;
  private routerReply: RouterReply | null = null;
  private upstreamBlocked = false;
  private readonly started = Date.now();
  private requestBytes = 0;
  private responseBytes = 0;
  private status = 0;
  private downstreamReset = false;
  private readonly requestHeaders: Pairs;
  private readonly trace: RequestTrace | null;

  constructor(
    private readonly env: BridgeEnvironment,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.method = req.method ?? "GET";
    this.requestHeaders = this.envoyRequestHeaders();
    this.replay = [new Replay(env.failOpen), new Replay(env.failOpen)];
    this.trace = env.trace ? new RequestTrace(env.requestNumber(), env.trace) : null;
    this.requestWriter = new MessageWriter(
      {
        start: (headers, wire) => this.openUpstream(headers, wire),
        write: (data) => this.writeUpstream(data),
        end: (data, trailers) => {
          const up = this.upstreamRequest;
          if (!up || up.destroyed) return;
          if (trailers) up.addTrailers(trailers);
          up.end(data);
          this.startRouteTimer();
        },
      },
      { explicitChunked: true, zeroLength: requestZeroLength },
    );
    this.responseWriter = new MessageWriter(
      {
        start: (headers, wire) => {
          if (this.res.destroyed) return;
          // A reply before the request was read whole (413, a local reply): close, as Envoy's HTTP/1 codec does.
          if (this.env.closing() || (!this.req.complete && requestHasBody(this.req))) wire.push("connection", "close");
          this.status = Number(pairValue(headers, ":status") ?? "200");
          this.res.writeHead(this.status, wire);
        },
        write: (data) => this.writeDownstream(data),
        end: (data, trailers) => {
          if (this.res.destroyed) return;
          if (trailers) this.res.addTrailers(trailers);
          if (data) this.responseBytes += data.length;
          this.res.end(data);
        },
      },
      {
        explicitChunked: false,
        zeroLength: responseZeroLength,
        bodyless: (headers) => {
          const status = pairValue(headers, ":status");
          return this.method === "HEAD" || status === "204" || status === "304";
        },
      },
    );
  }

  /** Creates the filter's stream and starts feeding it the request. */
  start(): void {
    const stream = (this.stream = this.env.openStream());
    for (const dir of [0, 1] as const) {
      const writer = this.writer(dir);
      const name = dir === 0 ? "request" : "response";
      stream.on(`${name}Headers`, (pairs: Pairs, eos: boolean) =>
        this.guard(() => {
          this.replay[dir].passed("headers");
          this.trace?.headers(dir, "out", pairs, eos);
          writer.headers(pairs, eos);
        }),
      );
      stream.on(`${name}Body`, (data: Buffer, eos: boolean) =>
        this.guard(() => {
          this.replay[dir].passed("body");
          this.trace?.body(dir, "out", data.length, eos);
          writer.body(data, eos);
        }),
      );
      stream.on(`${name}Trailers`, (pairs: Pairs) =>
        this.guard(() => {
          this.replay[dir].passed("trailers");
          this.trace?.trailers(dir, "out", pairs);
          writer.trailers(pairs);
        }),
      );
    }
    stream.on("localResponse", (reply: { statusCode: number; details: string }) => {
      this.trace?.note(`filter: local reply ${reply.statusCode} (${reply.details || "no details"})`);
      this.abandonUpstream();
      this.req.resume(); // the rest of the request body is read and dropped
    });
    stream.on("reset", (details: string) => {
      this.trace?.note(`filter: stream reset (${details})`);
      this.reset();
    });
    stream.on("lost", (loss: { reason: string }) => {
      this.trace?.note(`the VM was stopped: ${loss.reason}`);
      this.guard(() => this.vmLost());
    });
    stream.on("drain", (dir: Direction) => this.resumeSource(dir));
    stream.on("handled", (dir: Direction, held: number) => this.replay[dir].chunkHandled(held));
    stream.on("error", (error: Error) => this.guard(() => { throw error; }));

    this.res.on("close", () => {
      if (!this.res.writableFinished) this.downstreamReset = true;
      this.finish();
    });
    this.res.on("error", () => this.finish());
    const req = this.req;
    req.on("error", () => this.reset());
    const hasBody = requestHasBody(req);
    if (hasBody) {
      let held: Buffer | null = null;
      req.on("data", (chunk: Buffer) => {
        this.requestBytes += chunk.length;
        if (held) {
          const previous = held;
          this.guard(() => this.feedBody(0, previous, false));
        }
        held = chunk;
        if (this.stream.saturated(0) && !this.bypass) req.pause();
      });
      req.on("end", () => {
        const trailers = rawPairs(req.rawTrailers);
        this.guard(() => {
          if (trailers.length > 0) {
            if (held) this.feedBody(0, held, false);
            this.feedTrailers(0, trailers);
          } else {
            this.feedBody(0, held ?? EMPTY, true);
          }
        });
        held = null;
      });
    } else {
      req.resume();
    }
    this.guard(() => this.feedHeaders(0, this.requestHeaders, !hasBody));
  }

  /** Aborts the exchange (proxy shutdown after the drain timeout). */
  abort(): void {
    this.reset();
  }

  /** What Envoy's connection manager adds before filters run: x-forwarded-proto and x-request-id. */
  private envoyRequestHeaders(): Pairs {
    const pairs = requestPairs(this.req, "http").filter(([k]) => k !== "x-forwarded-proto");
    pairs.push(["x-forwarded-proto", "http"]);
    if (pairValue(pairs, "x-request-id") === undefined) pairs.push(["x-request-id", randomUUID()]);
    return pairs;
  }

  // ---- Into the filter (or around it) ---------------------------------------------------------------

  private writer(dir: Direction): MessageWriter {
    return dir === 0 ? this.requestWriter : this.responseWriter;
  }

  private feedHeaders(dir: Direction, pairs: Pairs, eos: boolean): void {
    if (this.bypass) return this.writer(dir).headers(pairs, eos);
    this.trace?.headers(dir, "in", pairs, eos);
    const replay = this.replay[dir];
    replay.headers = pairs;
    replay.headersEos = replay.ended = eos;
    if (dir === 0) this.stream.callOnRequestHeaders(pairs, eos);
    else this.stream.callOnResponseHeaders(pairs, eos);
  }

  private feedBody(dir: Direction, data: Buffer, eos: boolean): void {
    if (this.bypass) return this.writer(dir).body(data, eos);
    if (this.stream.localResponse !== null || this.stream.completed) return; // the filter takes no more input
    this.trace?.body(dir, "in", data.length, eos);
    const replay = this.replay[dir];
    replay.ended = eos;
    if (replay.usable) {
      replay.bytes += data.length;
      if (replay.bytes > this.env.replayLimit) {
        replay.usable = false;
        replay.clear();
      } else {
        replay.chunks.push(data);
      }
    }
    if (dir === 0) this.stream.callOnRequestBody(data, eos);
    else this.stream.callOnResponseBody(data, eos);
  }

  private feedTrailers(dir: Direction, pairs: Pairs): void {
    if (this.bypass) return this.writer(dir).trailers(pairs);
    this.trace?.trailers(dir, "in", pairs);
    const replay = this.replay[dir];
    replay.trailers = pairs;
    replay.ended = true;
    if (dir === 0) this.stream.callOnRequestTrailers(pairs);
    else this.stream.callOnResponseTrailers(pairs);
  }

  /** A router reply (503, 504) goes back through the filter's response callbacks, as in Envoy. */
  private routerResponse(reply: RouterReply): void {
    this.routerReply = reply;
    this.trace?.note(`router: ${reply.status} ${reply.body}`);
    const headers: Pairs = [
      [":status", String(reply.status)],
      ["content-length", String(Buffer.byteLength(reply.body))],
      ["content-type", "text/plain"],
    ];
    this.feedHeaders(1, headers, false);
    this.feedBody(1, Buffer.from(reply.body), true);
  }

  /**
   * The VM is gone (docs/abi.md §2.10). Fail-closed: Envoy's 503 (wasm_fail_stream) while no response
   * headers came through the filter (none yet, or held by it: Envoy sends the reply straight to the codec),
   * else a reset, since the client has the headers already. Fail-open: the failed callback counts as
   * Continue, so what the filter held of each direction goes on as it was given, and the rest of the
   * stream bypasses the filter; if it held more than the limit, as fail-closed.
   */
  private vmLost(): void {
    if (this.finished) return;
    const canBypass = ([0, 1] as const).every((dir) => this.writer(dir).done || this.replay[dir].usable);
    if (this.env.failOpen && canBypass) {
      this.bypass = true;
      for (const dir of [0, 1] as const) this.releaseHeld(dir);
      this.req.resume();
      this.upstreamResponse?.resume();
      return;
    }
    if (this.responseWriter.headersPassed) {
      this.stream.resetDetails ??= "wasm_fail_stream"; // what a trap's reset logs too
      this.reset();
      return;
    }
    this.abandonUpstream();
    this.bypass = true;
    this.stream.localResponse = { statusCode: 503, details: "wasm_fail_stream" };
    this.responseWriter.headers([[":status", "503"]], true);
  }

  /** Fail-open: sends on what the filter was given of direction `dir` and had not let through. */
  private releaseHeld(dir: Direction): void {
    const writer = this.writer(dir);
    const held = this.replay[dir];
    if (writer.done) return;
    if (held.headers !== null) {
      writer.headers(held.headers, held.headersEos);
      if (held.headersEos) return;
    } else if (!writer.headersPassed) {
      return; // the message has not reached the filter yet: it bypasses it when it comes
    }
    const last = held.chunks.length - 1;
    held.chunks.forEach((chunk, i) => writer.body(chunk, held.ended && held.trailers === null && i === last));
    if (held.trailers !== null) writer.trailers(held.trailers);
    else if (held.ended && held.chunks.length === 0) writer.body(EMPTY, true);
    held.clear();
  }

  private resumeSource(dir: Direction): void {
    if (dir === 0) {
      if (!this.upstreamBlocked) this.req.resume();
    } else {
      this.upstreamResponse?.resume();
    }
  }

  // ---- Upstream -----------------------------------------------------------------------------------

  private openUpstream(headers: Pairs, wire: string[]): void {
    if (this.finished || this.stream.localResponse !== null) return;
    this.method = pairValue(headers, ":method") ?? this.method;
    const up = this.env.upstream.request({
      method: this.method,
      path: pairValue(headers, ":path") ?? "/",
      authority: pairValue(headers, ":authority"),
      headers: wire,
    });
    this.upstreamRequest = up;
    up.on("response", (response) => this.guard(() => this.onUpstreamResponse(response)));
    up.on("error", (error: NodeJS.ErrnoException) => this.guard(() => this.onUpstreamError(error)));
  }

  private writeUpstream(data: Buffer): void {
    const up = this.upstreamRequest;
    if (!up || up.destroyed) return;
    if (!up.write(data)) {
      this.upstreamBlocked = true;
      this.req.pause();
      up.once("drain", () => {
        this.upstreamBlocked = false;
        if (this.bypass || !this.stream.saturated(0)) this.req.resume();
      });
    }
  }

  /** Envoy's route timeout starts once the whole request went upstream. */
  private startRouteTimer(): void {
    if (this.env.routeTimeoutMs <= 0 || this.routeTimer !== null || this.upstreamResponse?.complete) return;
    this.routeTimer = setTimeout(() => this.guard(() => this.routeTimedOut()), this.env.routeTimeoutMs);
  }

  private stopRouteTimer(): void {
    if (this.routeTimer !== null) clearTimeout(this.routeTimer);
    this.routeTimer = null;
  }

  private routeTimedOut(): void {
    this.routeTimer = null;
    if (this.finished || this.stream.localResponse !== null) return;
    const answered = this.upstreamResponse !== null;
    this.abandonUpstream();
    if (answered || this.responseWriter.headersSent) {
      // The response had started: Envoy resets the stream.
      this.routerReply = ROUTE_TIMEOUT_REPLY;
      this.reset();
      return;
    }
    this.routerResponse(ROUTE_TIMEOUT_REPLY);
  }

  private onUpstreamResponse(response: IncomingMessage): void {
    this.upstreamResponse = response;
    if (this.finished || this.stream.localResponse !== null || (this.stream.completed && !this.bypass)) {
      response.resume();
      return;
    }
    const hasBody = responseHasBody(this.method, response);
    this.feedHeaders(1, responsePairs(response), !hasBody);
    response.on("error", () => this.reset());
    response.on("close", () => {
      if (!response.complete) this.reset();
    });
    if (!hasBody) {
      this.stopRouteTimer();
      response.resume();
      return;
    }
    let held: Buffer | null = null;
    response.on("data", (chunk: Buffer) => {
      if (held) {
        const previous = held;
        this.guard(() => this.feedBody(1, previous, false));
      }
      held = chunk;
      if (!this.bypass && this.stream.saturated(1)) response.pause();
    });
    response.on("end", () => {
      this.stopRouteTimer();
      if (!response.complete) return; // cut short: "close" resets the stream
      const trailers = rawPairs(response.rawTrailers);
      this.guard(() => {
        if (trailers.length > 0) {
          if (held) this.feedBody(1, held, false);
          this.feedTrailers(1, trailers);
        } else {
          this.feedBody(1, held ?? EMPTY, true);
        }
      });
      held = null;
    });
  }

  private onUpstreamError(error: NodeJS.ErrnoException): void {
    this.stopRouteTimer();
    if (this.finished || this.stream.localResponse !== null || this.routerReply !== null) return;
    if (this.upstreamResponse !== null || this.responseWriter.headersSent) {
      this.reset();
      return;
    }
    const refused = error.code === "ECONNREFUSED" || error.code === "ENOTFOUND" || error.code === "EHOSTUNREACH";
    this.env.report(`[proxy] upstream ${this.env.upstream.url.origin}: ${error.code ?? error.message}`);
    this.routerResponse(upstreamResetReply(refused));
  }

  private abandonUpstream(): void {
    this.stopRouteTimer();
    const up = this.upstreamRequest;
    if (up && !up.destroyed && !(this.upstreamResponse?.complete ?? false)) up.destroy();
    this.upstreamResponse?.resume();
  }

  // ---- Downstream ---------------------------------------------------------------------------------

  private writeDownstream(data: Buffer): void {
    if (this.res.destroyed) return;
    this.responseBytes += data.length;
    if (!this.res.write(data)) {
      const source = this.upstreamResponse;
      if (source && !source.isPaused()) {
        source.pause();
        this.res.once("drain", () => {
          if (this.bypass || !this.stream.saturated(1)) source.resume();
        });
      }
    }
  }

  /** The stream was reset (proxy_close_stream, a reply after headers went out, an upstream reset). */
  private reset(): void {
    this.abandonUpstream();
    if (!this.res.writableEnded && !this.res.destroyed && this.responseWriter.sendHeldHeaders()) {
      // Headers that passed the filter go out first, as Envoy's codec had sent them; the body is cut: the
      // connection closes once they are written, with the chunked body unfinished.
      const socket = this.res.socket;
      this.res.flushHeaders();
      if (socket) socket.end(() => socket.destroy());
      else this.res.destroy();
    } else if (!this.res.writableEnded) {
      this.res.destroy();
    }
    this.finish();
  }

  /** The client's side is over: complete the stream (on_log, on_done, on_delete) exactly once. */
  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.stopRouteTimer();
    if (!this.res.writableFinished) this.abandonUpstream();
    this.stream?.complete();
    this.env.accessLog(this.logEntry());
    this.resolveDone();
  }

  private logEntry(): AccessLogEntry {
    const stream = this.stream;
    const local = stream?.localResponse ?? null;
    const flags: string[] = [];
    if (this.routerReply !== null) flags.push(this.routerReply.flag);
    if (this.downstreamReset && this.routerReply === null && local === null) flags.push("DC");
    const details =
      local?.details ??
      stream?.resetDetails ??
      this.routerReply?.details ??
      (this.downstreamReset ? "downstream_remote_disconnect" : this.status !== 0 ? "via_upstream" : "-");
    return {
      start: new Date(this.started),
      method: this.req.method ?? "GET",
      path: pairValue(this.requestHeaders, ":path") ?? "/",
      status: this.res.headersSent ? this.status || this.res.statusCode : 0,
      flags: flags.length > 0 ? flags.join(",") : "-",
      details,
      bytesReceived: this.requestBytes,
      bytesSent: this.responseBytes,
      durationMs: Date.now() - this.started,
      userAgent: pairValue(this.requestHeaders, "user-agent"),
      requestId: pairValue(this.requestHeaders, "x-request-id"),
      authority: pairValue(this.requestHeaders, ":authority"),
    };
  }

  /** Runs one step; an unexpected exception ends this exchange only, never the proxy. */
  private guard(step: () => unknown): void {
    try {
      step();
    } catch (error) {
      this.env.report(`[proxy] internal error on stream ${this.stream?.id}: ${(error as Error).message}`);
      if (!this.res.headersSent && !this.finished) {
        this.status = 500;
        this.res.writeHead(500, { "content-type": "text/plain", connection: "close" });
        this.res.end("proxy-wasm run: internal error\n");
      } else {
        this.reset();
      }
    }
  }
}
