// Every callback a Proxy-Wasm host looks for. A filter's build entry re-exports them through the
// stable path
//   export * from "proxy-wasm-assemblyscript/assembly/abi/exports";
// Only the build entry does this, so importing the SDK or an example has no side effects.
// Callbacks of features a filter does not use compile to empty functions (a few bytes each);
// `http-filter-exports.ts` leaves them out altogether.
export * from "./http-filter-exports";
export {
  proxy_on_new_connection,
  proxy_on_downstream_data,
  proxy_on_upstream_data,
  proxy_on_downstream_connection_close,
  proxy_on_upstream_connection_close,
} from "./tcp";
export { proxy_on_queue_ready } from "./shared-queue";
export { proxy_on_http_call_response } from "./callouts";
export {
  proxy_on_grpc_receive_initial_metadata,
  proxy_on_grpc_receive,
  proxy_on_grpc_receive_trailing_metadata,
  proxy_on_grpc_close,
} from "./grpc";
export { proxy_on_foreign_function } from "./foreign";
