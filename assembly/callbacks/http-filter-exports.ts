// The callbacks of an HTTP filter that makes no callouts and uses no shared queues or foreign
// functions: lifecycle, timers and HTTP streams. For the smallest modules; `exports.ts` has them all.
// A build entry re-exports them through the stable path
//   export * from "proxy-wasm-assemblyscript/assembly/abi/http-filter-exports";
import "../abort";

export {
  proxy_abi_version_0_2_1,
  malloc,
  malloc as proxy_on_memory_allocate,
  proxy_on_context_create,
  proxy_on_vm_start,
  proxy_on_configure,
  proxy_on_log,
  proxy_on_done,
  proxy_on_delete,
} from "./lifecycle";
export { proxy_on_tick } from "./timers";
export {
  proxy_on_request_headers,
  proxy_on_request_body,
  proxy_on_request_trailers,
  proxy_on_response_headers,
  proxy_on_response_body,
  proxy_on_response_trailers,
} from "./http";
