// Host calls for gRPC calls and streams (ABI 0.2.1 signatures; replies arrive on the
// root context id like HTTP callouts).

/**
 * A unary call to `upstream` (a cluster name, or a serialized envoy.config.core.v3.GrpcService) with a
 * serialized request message; initial metadata is serialized pairs. Writes the token (5, 9, ...).
 * ParseFailure for an unknown cluster.
 */
// @ts-ignore: decorator
@external("env", "proxy_grpc_call")
export declare function proxy_grpc_call(
  upstreamPtr: usize, upstreamSize: usize,
  serviceNamePtr: usize, serviceNameSize: usize,
  methodNamePtr: usize, methodNameSize: usize,
  initialMetadataPtr: usize, initialMetadataSize: usize,
  messagePtr: usize, messageSize: usize,
  timeoutMilliseconds: u32,
  returnToken: usize,
): u32;

/** Opens a stream; writes its token (6, 10, ...). */
// @ts-ignore: decorator
@external("env", "proxy_grpc_stream")
export declare function proxy_grpc_stream(
  upstreamPtr: usize, upstreamSize: usize,
  serviceNamePtr: usize, serviceNameSize: usize,
  methodNamePtr: usize, methodNameSize: usize,
  initialMetadataPtr: usize, initialMetadataSize: usize,
  returnToken: usize,
): u32;

/** Sends a message on a stream (BadArgument for a call token, NotFound for an unknown one). */
// @ts-ignore: decorator
@external("env", "proxy_grpc_send")
export declare function proxy_grpc_send(token: u32, messagePtr: usize, messageSize: usize, endOfStream: u32): u32;

/** Cancels a call, or resets a stream; nothing more arrives for the token. */
// @ts-ignore: decorator
@external("env", "proxy_grpc_cancel")
export declare function proxy_grpc_cancel(token: u32): u32;

/** Cancels a call, or half-closes a stream (its replies still arrive). */
// @ts-ignore: decorator
@external("env", "proxy_grpc_close")
export declare function proxy_grpc_close(token: u32): u32;
