// Host calls and callbacks for HTTP streams.
import * as dispatcher from "../dispatcher";

/** Deferred by Envoy until the current callback returns; the callback's action is then ignored. */
// @ts-ignore: decorator
@external("env", "proxy_send_local_response")
export declare function proxy_send_local_response(
  statusCode: u32,
  detailsPtr: usize, detailsSize: usize,
  bodyPtr: usize, bodySize: usize,
  headersPtr: usize, headersSize: usize,
  grpcStatus: i32,
): u32;

/** Resumes a paused stream (StreamType); deferred until the current callback returns. */
// @ts-ignore: decorator
@external("env", "proxy_continue_stream")
export declare function proxy_continue_stream(streamType: u32): u32;

/** Resets an HTTP stream or closes a TCP connection side (StreamType). */
// @ts-ignore: decorator
@external("env", "proxy_close_stream")
export declare function proxy_close_stream(streamType: u32): u32;

export function proxy_on_request_headers(contextId: u32, headerCount: u32, endOfStream: u32): u32 {
  return dispatcher.onRequestHeaders(contextId, headerCount, endOfStream != 0);
}

export function proxy_on_request_body(contextId: u32, bodySize: u32, endOfStream: u32): u32 {
  return dispatcher.onRequestBody(contextId, bodySize, endOfStream != 0);
}

export function proxy_on_request_trailers(contextId: u32, trailerCount: u32): u32 {
  return dispatcher.onRequestTrailers(contextId, trailerCount);
}

export function proxy_on_response_headers(contextId: u32, headerCount: u32, endOfStream: u32): u32 {
  return dispatcher.onResponseHeaders(contextId, headerCount, endOfStream != 0);
}

export function proxy_on_response_body(contextId: u32, bodySize: u32, endOfStream: u32): u32 {
  return dispatcher.onResponseBody(contextId, bodySize, endOfStream != 0);
}

export function proxy_on_response_trailers(contextId: u32, trailerCount: u32): u32 {
  return dispatcher.onResponseTrailers(contextId, trailerCount);
}
