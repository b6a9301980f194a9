// Envoy's local replies (Utility::sendLocalReply): what a filter asks for with proxy_send_local_response
// and the response the filter manager then sends downstream: a plain HTTP response, or a trailers-only
// gRPC response when the request was gRPC and the reply carries a gRPC status.

import { HeaderMap } from "./header-map.ts";
import type { Pairs } from "./pairs.ts";

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

const EMPTY = Buffer.alloc(0);

/** The response a local reply becomes, for a request of `requestContentType`. */
export function localReplyMessage(reply: LocalResponse, requestContentType: string): { headers: HeaderMap; body: Buffer } {
  const headers = new HeaderMap();
  if (reply.grpcStatus !== null && requestContentType.startsWith("application/grpc")) {
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
