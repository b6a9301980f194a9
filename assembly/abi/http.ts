// Host calls for HTTP streams (proxy_continue_stream and proxy_close_stream also act on TCP connections).

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
