// Host calls for HTTP callouts, and proxy_get_status (also read after gRPC closes).

/**
 * Sends a request to the Envoy cluster `upstream`; the headers (serialized pairs) need :method, :path
 * and :authority. Timeout 0 means none. Writes the call's token (4, 8, 12, ...) to `returnToken`.
 * BadArgument for an unknown cluster or missing pseudo-headers.
 */
// @ts-ignore: decorator
@external("env", "proxy_http_call")
export declare function proxy_http_call(
  upstreamPtr: usize, upstreamSize: usize,
  headersPtr: usize, headersSize: usize,
  bodyPtr: usize, bodySize: usize,
  trailersPtr: usize, trailersSize: usize,
  timeoutMilliseconds: u32,
  returnToken: usize,
): u32;

/** The root context's last status: (11, "reset") for a failed callout, a gRPC close's status and message. */
// @ts-ignore: decorator
@external("env", "proxy_get_status")
export declare function proxy_get_status(returnCode: usize, returnMessagePtr: usize, returnMessageSize: usize): u32;
