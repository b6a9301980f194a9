/**
 * One downstream request through the filter: a node:http (req, res) pair on one side, an emulator
 * HttpStream on the other, the upstream behind it. Envoy's filter manager order:
 *
 *   client ─ headers, body chunks, trailers ─▶ HttpStream (on_request_*) ─ what it forwards ─▶ upstream
 *   client ◀─ what it forwards ─ HttpStream (on_response_*) ◀─ status, headers, body, trailers ─ upstream
 *
 * The stream's events say what the filter let through and when (after a Pause, only once the plugin calls
 * continue); a local reply replaces the response and the upstream is never contacted (or is abandoned).
 * The last body chunk is held back until the message ends, so that, as in Envoy's HTTP/1 codec, a small
 * body reaches the filter as one chunk with end_of_stream.
 */
import { randomUUID } from "node:crypto";
import type { ClientRequest, IncomingMessage, ServerResponse } from "node:http";
import type { HttpStream, Pairs, ProxyWasmHost } from "../host/index.ts";
import { pairValue, rawPairs, requestHasBody, requestPairs, responseHasBody, responsePairs } from "./http1.ts";
import type { Endpoint } from "./upstream.ts";
import { MessageWriter, requestZeroLength, responseZeroLength } from "./writer.ts";

const EMPTY = Buffer.alloc(0);

export interface BridgeEnvironment {
  host: ProxyWasmHost;
  upstream: Endpoint;
  /** True once the proxy is draining: responses get `connection: close`. */
  closing(): boolean;
  /** A line for the operator (stderr). */
  report(line: string): void;
}

/** Envoy's reply when the upstream cannot be reached or resets before the response headers. */
export function upstreamResetReply(reason: string): { headers: Pairs; body: string } {
  const body = `upstream connect error or disconnect/reset before headers. reset reason: ${reason}`;
  return {
    headers: [
      [":status", "503"],
      ["content-length", String(Buffer.byteLength(body))],
      ["content-type", "text/plain"],
    ],
    body,
  };
}

export class StreamBridge {
  /** Resolves once the client's response is finished or abandoned and the stream completed. */
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private stream!: HttpStream;
  private upstreamRequest: ClientRequest | null = null;
  private upstreamResponse: IncomingMessage | null = null;
  /** The client's method, then the one the filter sent upstream (a HEAD response has no body). */
  private method: string;
  private readonly requestWriter: MessageWriter;
  private readonly responseWriter: MessageWriter;
  private finished = false;

  constructor(
    private readonly env: BridgeEnvironment,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.method = req.method ?? "GET";
    this.requestWriter = new MessageWriter(
      {
        start: (headers, wire) => this.openUpstream(headers, wire),
        write: (data) => this.writeUpstream(data),
        end: (data, trailers) => {
          const up = this.upstreamRequest;
          if (!up || up.destroyed) return;
          if (trailers) up.addTrailers(trailers);
          up.end(data);
        },
      },
      { explicitChunked: true, zeroLength: requestZeroLength },
    );
    this.responseWriter = new MessageWriter(
      {
        start: (headers, wire) => {
          if (this.res.destroyed) return;
          if (this.env.closing()) wire.push("connection", "close");
          this.res.writeHead(Number(pairValue(headers, ":status") ?? "200"), wire);
        },
        write: (data) => this.writeDownstream(data),
        end: (data, trailers) => {
          if (this.res.destroyed) return;
          if (trailers) this.res.addTrailers(trailers);
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
    // The bytes go straight to the sockets: the stream need not keep a copy (a long-running proxy stays flat).
    const stream = (this.stream = this.env.host.http({ retainBodies: false }));
    stream.on("requestHeaders", (pairs: Pairs, eos: boolean) => this.guard(() => this.requestWriter.headers(pairs, eos)));
    stream.on("requestBody", (data: Buffer, eos: boolean) => this.guard(() => this.requestWriter.body(data, eos)));
    stream.on("requestTrailers", (pairs: Pairs) => this.guard(() => this.requestWriter.trailers(pairs)));
    stream.on("responseHeaders", (pairs: Pairs, eos: boolean) => this.guard(() => this.responseWriter.headers(pairs, eos)));
    stream.on("responseBody", (data: Buffer, eos: boolean) => this.guard(() => this.responseWriter.body(data, eos)));
    stream.on("responseTrailers", (pairs: Pairs) => this.guard(() => this.responseWriter.trailers(pairs)));
    stream.on("localResponse", () => this.abandonUpstream());
    stream.on("reset", () => this.reset());

    this.res.on("close", () => this.finish());
    this.res.on("error", () => this.finish());
    const req = this.req;
    req.on("error", () => this.reset());
    const hasBody = requestHasBody(req);
    if (hasBody) {
      let held: Buffer | null = null;
      req.on("data", (chunk: Buffer) => {
        if (held) {
          const previous = held;
          this.guard(() => stream.callOnRequestBody(previous, false));
        }
        held = chunk;
      });
      req.on("end", () => {
        const trailers = rawPairs(req.rawTrailers);
        this.guard(() => {
          if (trailers.length > 0) {
            if (held) stream.callOnRequestBody(held, false);
            stream.callOnRequestTrailers(trailers);
          } else {
            stream.callOnRequestBody(held ?? EMPTY, true);
          }
        });
        held = null;
      });
    } else {
      req.resume();
    }
    this.guard(() => stream.callOnRequestHeaders(this.envoyRequestHeaders(), !hasBody));
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
      this.req.pause();
      up.once("drain", () => this.req.resume());
    }
  }

  private onUpstreamResponse(response: IncomingMessage): void {
    this.upstreamResponse = response;
    const stream = this.stream;
    if (this.finished || stream.localResponse !== null || stream.completed) {
      response.resume();
      return;
    }
    const hasBody = responseHasBody(this.method, response);
    stream.callOnResponseHeaders(responsePairs(response), !hasBody);
    response.on("error", () => this.reset());
    response.on("close", () => {
      if (!response.complete) this.reset();
    });
    if (!hasBody) {
      response.resume();
      return;
    }
    let held: Buffer | null = null;
    response.on("data", (chunk: Buffer) => {
      if (held) {
        const previous = held;
        this.guard(() => stream.callOnResponseBody(previous, false));
      }
      held = chunk;
    });
    response.on("end", () => {
      if (!response.complete) return; // cut short: "close" resets the stream
      const trailers = rawPairs(response.rawTrailers);
      this.guard(() => {
        if (trailers.length > 0) {
          if (held) stream.callOnResponseBody(held, false);
          stream.callOnResponseTrailers(trailers);
        } else {
          stream.callOnResponseBody(held ?? EMPTY, true);
        }
      });
      held = null;
    });
  }

  private onUpstreamError(error: NodeJS.ErrnoException): void {
    if (this.finished || this.stream.completed || this.stream.localResponse !== null) return;
    if (this.upstreamResponse !== null || this.responseWriter.headersSent) {
      this.reset();
      return;
    }
    const refused = error.code === "ECONNREFUSED" || error.code === "ENOTFOUND" || error.code === "EHOSTUNREACH";
    const reply = upstreamResetReply(refused ? "connection failure" : "connection termination");
    this.env.report(`[proxy] upstream ${this.env.upstream.url.origin}: ${error.code ?? error.message}`);
    this.stream.callOnResponseHeaders(reply.headers, false);
    this.stream.callOnResponseBody(reply.body, true);
  }

  private abandonUpstream(): void {
    const up = this.upstreamRequest;
    if (up && !up.destroyed && !(this.upstreamResponse?.complete ?? false)) up.destroy();
    this.upstreamResponse?.resume();
  }

  // ---- Downstream ---------------------------------------------------------------------------------

  private writeDownstream(data: Buffer): void {
    if (this.res.destroyed) return;
    if (!this.res.write(data)) {
      const source = this.upstreamResponse;
      if (source && !source.isPaused()) {
        source.pause();
        this.res.once("drain", () => source.resume());
      }
    }
  }

  /** The stream was reset (proxy_close_stream, a reply after headers went out, an upstream reset). */
  private reset(): void {
    this.abandonUpstream();
    if (!this.res.writableEnded) this.res.destroy();
    this.finish();
  }

  /** The client's side is over: complete the stream (on_log, on_done, on_delete) exactly once. */
  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (!this.res.writableFinished) this.abandonUpstream();
    try {
      this.stream?.complete();
    } catch (error) {
      this.env.report(`[proxy] completing stream ${this.stream?.id}: ${(error as Error).message}`);
    }
    this.resolveDone();
  }

  /** Runs one step; an unexpected exception ends this exchange only, never the proxy. */
  private guard(step: () => unknown): void {
    try {
      step();
    } catch (error) {
      this.env.report(`[proxy] internal error on stream ${this.stream?.id}: ${(error as Error).message}`);
      if (!this.res.headersSent && !this.finished) {
        this.res.writeHead(500, { "content-type": "text/plain", connection: "close" });
        this.res.end("proxy-wasm run: internal error\n");
      } else {
        this.reset();
      }
    }
  }
}
