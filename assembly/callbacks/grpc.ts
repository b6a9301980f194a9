// Callbacks for gRPC calls and streams; replies arrive on the root context id like HTTP callouts.
// Their hooks stay null (empty callbacks) unless the filter makes gRPC calls or opens streams.
import {
  onGrpcCallCloseHook,
  onGrpcCallMessageHook,
  onGrpcStreamCloseHook,
  onGrpcStreamInitialMetadataHook,
  onGrpcStreamMessageHook,
  onGrpcStreamTrailingMetadataHook,
} from "../grpc";

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
