// What Envoy (proxy-wasm-cpp-host) links and calls for an ABI 0.2.1 module, as wasm signatures
// written "params->results" (docs/abi.md §1.3, §1.4). A module may import only these host functions and
// may export only these callbacks, each with exactly this type.

const i32s = (n: number): string => Array(n).fill("i32").join(",");

/** env.proxy_* host functions of ABI 0.2.1 (no 0.1.0-only imports such as proxy_get_configuration). */
export const HOST_FUNCTIONS: Record<string, string> = {
  proxy_log: `(${i32s(3)})->(i32)`,
  proxy_get_log_level: `(i32)->(i32)`,
  proxy_get_current_time_nanoseconds: `(i32)->(i32)`,
  proxy_set_tick_period_milliseconds: `(i32)->(i32)`,
  proxy_get_buffer_bytes: `(${i32s(5)})->(i32)`,
  proxy_set_buffer_bytes: `(${i32s(5)})->(i32)`,
  proxy_get_buffer_status: `(${i32s(3)})->(i32)`,
  proxy_get_header_map_pairs: `(${i32s(3)})->(i32)`,
  proxy_set_header_map_pairs: `(${i32s(3)})->(i32)`,
  proxy_get_header_map_value: `(${i32s(5)})->(i32)`,
  proxy_add_header_map_value: `(${i32s(5)})->(i32)`,
  proxy_replace_header_map_value: `(${i32s(5)})->(i32)`,
  proxy_remove_header_map_value: `(${i32s(3)})->(i32)`,
  proxy_get_header_map_size: `(${i32s(2)})->(i32)`,
  proxy_get_property: `(${i32s(4)})->(i32)`,
  proxy_set_property: `(${i32s(4)})->(i32)`,
  proxy_send_local_response: `(${i32s(8)})->(i32)`,
  proxy_continue_stream: `(i32)->(i32)`,
  proxy_close_stream: `(i32)->(i32)`,
  proxy_get_status: `(${i32s(3)})->(i32)`,
  proxy_http_call: `(${i32s(10)})->(i32)`,
  proxy_grpc_call: `(${i32s(12)})->(i32)`,
  proxy_grpc_stream: `(${i32s(9)})->(i32)`,
  proxy_grpc_send: `(${i32s(4)})->(i32)`,
  proxy_grpc_cancel: `(i32)->(i32)`,
  proxy_grpc_close: `(i32)->(i32)`,
  proxy_get_shared_data: `(${i32s(5)})->(i32)`,
  proxy_set_shared_data: `(${i32s(5)})->(i32)`,
  proxy_register_shared_queue: `(${i32s(3)})->(i32)`,
  proxy_resolve_shared_queue: `(${i32s(5)})->(i32)`,
  proxy_enqueue_shared_queue: `(${i32s(3)})->(i32)`,
  proxy_dequeue_shared_queue: `(${i32s(3)})->(i32)`,
  proxy_define_metric: `(${i32s(4)})->(i32)`,
  proxy_increment_metric: `(i32,i64)->(i32)`,
  proxy_record_metric: `(i32,i64)->(i32)`,
  proxy_get_metric: `(${i32s(2)})->(i32)`,
  proxy_set_effective_context: `(i32)->(i32)`,
  proxy_done: `()->(i32)`,
  proxy_call_foreign_function: `(${i32s(6)})->(i32)`,
};

/** AssemblyScript's default imports, which Envoy never provides (docs/abi.md §7 A1). */
export const FORBIDDEN_IMPORTS = ["abort", "seed", "Date.now", "trace"];

/** Callbacks cpp-host looks up, with the types it insists on ("Bad function signature" otherwise). */
export const CALLBACKS: Record<string, string> = {
  proxy_on_context_create: `(${i32s(2)})->()`,
  proxy_on_vm_start: `(${i32s(2)})->(i32)`,
  proxy_on_configure: `(${i32s(2)})->(i32)`,
  proxy_validate_configuration: `(${i32s(2)})->(i32)`,
  proxy_on_tick: `(i32)->()`,
  proxy_on_new_connection: `(i32)->(i32)`,
  proxy_on_downstream_data: `(${i32s(3)})->(i32)`,
  proxy_on_upstream_data: `(${i32s(3)})->(i32)`,
  proxy_on_downstream_connection_close: `(${i32s(2)})->()`,
  proxy_on_upstream_connection_close: `(${i32s(2)})->()`,
  proxy_on_request_headers: `(${i32s(3)})->(i32)`,
  proxy_on_request_body: `(${i32s(3)})->(i32)`,
  proxy_on_request_trailers: `(${i32s(2)})->(i32)`,
  proxy_on_request_metadata: `(${i32s(2)})->(i32)`,
  proxy_on_response_headers: `(${i32s(3)})->(i32)`,
  proxy_on_response_body: `(${i32s(3)})->(i32)`,
  proxy_on_response_trailers: `(${i32s(2)})->(i32)`,
  proxy_on_response_metadata: `(${i32s(2)})->(i32)`,
  proxy_on_http_call_response: `(${i32s(5)})->()`,
  proxy_on_grpc_receive_initial_metadata: `(${i32s(3)})->()`,
  proxy_on_grpc_receive: `(${i32s(3)})->()`,
  proxy_on_grpc_receive_trailing_metadata: `(${i32s(3)})->()`,
  proxy_on_grpc_close: `(${i32s(3)})->()`,
  proxy_on_queue_ready: `(${i32s(2)})->()`,
  proxy_on_foreign_function: `(${i32s(3)})->()`,
  proxy_on_done: `(i32)->(i32)`,
  proxy_on_log: `(i32)->()`,
  proxy_on_delete: `(i32)->()`,
};

/** The other function exports a module may have, with their types. */
export const MODULE_FUNCTIONS: Record<string, string> = {
  proxy_abi_version_0_2_1: `()->()`,
  malloc: `(i32)->(i32)`,
  proxy_on_memory_allocate: `(i32)->(i32)`,
  _initialize: `()->()`,
};
