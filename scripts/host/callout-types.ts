// Records of calls a plugin dispatched and the test (or the run proxy) answers later.

import type { Pairs } from "./pairs.ts";

export interface HttpCallout {
  /** Token returned to the plugin (4, 8, 12, …). */
  readonly token: number;
  /** Cluster name passed as upstream. */
  readonly cluster: string;
  /** Request headers as Envoy sends them (lower-cased; content-length added for a body). */
  readonly headers: Pairs;
  readonly body: Buffer;
  readonly trailers: Pairs;
  /** 0 = no timeout. */
  readonly timeoutMs: number;
  /** The context that dispatched it (the response is delivered to its root). */
  readonly contextId: number;
  readonly rootContextId: number;
  /** Virtual time (ms since start) after which Envoy answers 504. */
  readonly deadlineMs: number;
}

/** How an HTTP callout ended (event `httpCallDone`). */
export type HttpCallEnd =
  /** resolveHttpCall: the answer was handed to the plugin. */
  | "response"
  /** failHttpCall: delivered as a reset. */
  | "reset"
  /** Its timeout passed: Envoy's async client answered 504 itself; nobody needs the upstream's answer now. */
  | "timeout"
  /** Its root context was deleted (plugin shut down): Envoy cancels the request and never answers. */
  | "cancelled";

export interface HttpCallDone {
  readonly token: number;
  readonly cluster: string;
  readonly reason: HttpCallEnd;
}

export interface GrpcCallout {
  /** 5, 9, … for unary calls; 6, 10, … for streams. */
  readonly token: number;
  readonly kind: "call" | "stream";
  /** The upstream argument: a cluster name or a serialized GrpcService. */
  readonly service: Buffer;
  readonly serviceName: string;
  readonly method: string;
  readonly initialMetadata: Pairs;
  /** Messages sent by the plugin: the request of a call, or each proxy_grpc_send on a stream. */
  readonly messages: Buffer[];
  /** The timeout_ms argument of proxy_grpc_call (0 = none; streams have none). */
  readonly timeoutMs: number;
  readonly rootContextId: number;
  /**
   * Virtual time (ms since start) at which Envoy gives up on a unary call: proxy_on_grpc_close with
   * DEADLINE_EXCEEDED (4), "upstream request timeout". Infinity for streams and timeout 0.
   */
  readonly deadlineMs: number;
  /** The plugin half-closed the stream (end_stream or proxy_grpc_close). */
  localClosed: boolean;
  remoteClosed: boolean;
}
