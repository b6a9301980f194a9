/**
 * Puts what the filter lets through back on the wire with correct HTTP/1.1 framing. The filter may
 * change a body, so a message's Content-Length is only trusted when the whole body is known at once
 * (one body event with end of stream, the usual case); otherwise the body is streamed chunked.
 * Headers are held until the first body event decides the framing.
 */
import type { Pairs } from "../host/index.ts";
import { flatten, pairValue, trailerObject, wirePairs } from "./http1.ts";

/** The side of node:http a writer feeds: an upstream ClientRequest or a downstream ServerResponse. */
export interface MessageSink {
  /** Sends the head: the filter's headers (pseudo-headers included) and the wire headers to send. */
  start(headers: Pairs, wire: string[]): void;
  write(data: Buffer): void;
  end(data?: Buffer, trailers?: Record<string, string>): void;
}

export interface WriterOptions {
  /** Set `transfer-encoding: chunked` when streaming (node:http requests do not chunk GET by default). */
  explicitChunked: boolean;
  /** A message that never has a body (response to HEAD, 204, 304): headers go out as they are. */
  bodyless?: (headers: Pairs) => boolean;
  /** At end of stream without a body, write `content-length: 0` (responses; requests only if they had one). */
  zeroLength: (headers: Pairs) => boolean;
}

export class MessageWriter {
  private head: Pairs | null = null;
  private started = false;
  private finished = false;

  constructor(
    private readonly sink: MessageSink,
    private readonly options: WriterOptions,
  ) {}

  get done(): boolean {
    return this.finished;
  }

  get headersSent(): boolean {
    return this.started;
  }

  /**
   * Headers came through the filter, sent or held here until the body decides the framing. Envoy's codec
   * encodes headers as soon as they pass the filters, so for what the client may see they count as sent.
   */
  get headersPassed(): boolean {
    return this.started || this.head !== null;
  }

  headers(pairs: Pairs, endOfStream: boolean): void {
    if (this.finished) return;
    this.head = pairs;
    if (!endOfStream) return;
    if (this.bodyless()) {
      this.open(wirePairs(pairs));
    } else {
      const zero = this.options.zeroLength(pairs) ? ([["content-length", "0"]] as Pairs) : [];
      this.open([...wirePairs(pairs, ["content-length"]), ...zero]);
    }
    this.finish();
  }

  body(data: Buffer, endOfStream: boolean): void {
    if (this.finished) return;
    if (!this.started) {
      if (endOfStream) {
        const bodyless = this.bodyless();
        this.open(this.framed(bodyless ? null : String(data.length)));
        this.finish(bodyless ? undefined : data);
        return;
      }
      this.open(this.framed(null, true));
    }
    if (data.length > 0 && !this.bodyless()) this.sink.write(data);
    if (endOfStream) this.finish();
  }

  /**
   * Sends headers held for the body to decide the framing, as a streamed head; false when none are held
   * (none came, they went out, or the message is over). Envoy's codec sends headers as soon as they pass
   * the filters, so a reset that comes before the body still finds them sent.
   */
  sendHeldHeaders(): boolean {
    if (this.started || this.finished || this.head === null) return false;
    this.open(this.framed(null, true));
    return true;
  }

  trailers(pairs: Pairs): void {
    if (this.finished) return;
    if (!this.started) this.open(this.framed(null, true));
    this.finish(undefined, trailerObject(pairs));
  }

  private framed(length: string | null, streaming = false): Pairs {
    const head = this.head ?? [];
    if (this.bodyless()) return wirePairs(head);
    const pairs = wirePairs(head, ["content-length"]);
    if (length !== null) pairs.push(["content-length", length]);
    else if (streaming && this.options.explicitChunked) pairs.push(["transfer-encoding", "chunked"]);
    return pairs;
  }

  private bodyless(): boolean {
    return this.options.bodyless?.(this.head ?? []) ?? false;
  }

  private open(wire: Pairs): void {
    this.started = true;
    this.sink.start(this.head ?? [], flatten(wire));
  }

  private finish(data?: Buffer, trailers?: Record<string, string>): void {
    this.finished = true;
    this.sink.end(data, trailers);
  }
}

/** Requests keep `content-length: 0` only if the client sent a Content-Length. */
export function requestZeroLength(headers: Pairs): boolean {
  return pairValue(headers, "content-length") !== undefined;
}

/** Responses without a body say so, except statuses that never have one. */
export function responseZeroLength(headers: Pairs): boolean {
  const status = Number(pairValue(headers, ":status") ?? "200");
  return !(status === 204 || status === 304 || (status >= 100 && status < 200));
}
