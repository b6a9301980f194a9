/**
 * `proxy-wasm run --trace`: what each request gave the filter and what the filter let through, readable
 * (header names and values, body sizes, end of stream), one line per step:
 *
 *   [trace] #3 client → filter: request headers, end_of_stream=false: :authority: 127.0.0.1:8080 | :path: /upper | …
 *   [trace] #3 filter → upstream: request body 11 bytes, end_of_stream=true
 *   [trace] #3 filter: local reply 403 (denied)
 *
 * Text from the client and the upstream is escaped.
 */
import type { Pairs } from "../host/index.ts";
import { escapeLogText } from "./access-log.ts";
import type { Direction } from "./vm-protocol.ts";

/** Where a message goes: into the filter, or out of it. */
export type TraceHop = "in" | "out";

const HOPS: Record<Direction, Record<TraceHop, string>> = {
  0: { in: "client → filter", out: "filter → upstream" },
  1: { in: "upstream → filter", out: "filter → client" },
};
const MESSAGE = ["request", "response"] as const;

export class RequestTrace {
  constructor(
    private readonly request: number,
    private readonly print: (line: string) => void,
  ) {}

  headers(dir: Direction, hop: TraceHop, pairs: Pairs, eos: boolean): void {
    this.line(dir, hop, `${MESSAGE[dir]} headers, end_of_stream=${eos}: ${formatPairs(pairs)}`);
  }

  body(dir: Direction, hop: TraceHop, bytes: number, eos: boolean): void {
    this.line(dir, hop, `${MESSAGE[dir]} body ${bytes} bytes, end_of_stream=${eos}`);
  }

  trailers(dir: Direction, hop: TraceHop, pairs: Pairs): void {
    this.line(dir, hop, `${MESSAGE[dir]} trailers: ${formatPairs(pairs)}`);
  }

  /** A step of the filter itself (a local reply, a reset) or of the proxy. */
  note(text: string): void {
    this.print(`[trace] #${this.request} ${text}`);
  }

  private line(dir: Direction, hop: TraceHop, text: string): void {
    this.print(`[trace] #${this.request} ${HOPS[dir][hop]}: ${text}`);
  }
}

function formatPairs(pairs: Pairs): string {
  return pairs.length === 0 ? "(none)" : pairs.map(([name, value]) => `${escapeLogText(name)}: ${escapeLogText(value)}`).join(" | ");
}
