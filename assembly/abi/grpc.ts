// Host calls and callbacks for gRPC calls and streams (ABI 0.2.1 signatures; replies arrive on the
// root context id like HTTP callouts).
import {
  onGrpcCallCloseHook,
  onGrpcCallMessageHook,
  onGrpcStreamCloseHook,
  onGrpcStreamInitialMetadataHook,
  onGrpcStreamMessageHook,
  onGrpcStreamTrailingMetadataHook,
} from "../grpc";

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

export function proxy_on_grpc_receive_initial_metadata(rootContextId: u32, token: u32, headerCount: u32): void {
  const hook = onGrpcStreamInitialMetadataHook;
  if (hook !== null) hook(token);
}

export function proxy_on_grpc_receive(rootContextId: u32, token: u32, messageSize: u32): void {
  // Each hook ignores tokens that are not its kind (a call or a stream).
  const call = onGrpcCallMessageHook;
  if (call !== null) call(token, messageSize);
  const stream = onGrpcStreamMessageHook;
  if (stream !== null) stream(token, messageSize);
}

/** The spec's name; the C++ SDK's `proxy_on_grpc_trailing_metadata` is never called by Envoy. */
export function proxy_on_grpc_receive_trailing_metadata(rootContextId: u32, token: u32, headerCount: u32): void {
  const hook = onGrpcStreamTrailingMetadataHook;
  if (hook !== null) hook(token);
}

/** A call failed or a stream was closed by the other side; the message is read with proxy_get_status. */
export function proxy_on_grpc_close(rootContextId: u32, token: u32, grpcStatus: u32): void {
  const call = onGrpcCallCloseHook;
  if (call !== null) call(token, grpcStatus);
  const stream = onGrpcStreamCloseHook;
  if (stream !== null) stream(token, grpcStatus);
}
