// Callbacks for HTTP streams.
import * as dispatcher from "../dispatcher";

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
