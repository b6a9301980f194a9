// Every callback a Proxy-Wasm host looks for, for a filter's build entry to re-export:
//   export * from "proxy-wasm-assemblyscript/assembly/abi/exports";
// Only the build entry does this, so importing the SDK or an example has no side effects.
import "./abort";

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
import "./abort";

export {
  proxy_on_request_headers,
  proxy_on_request_body,
  proxy_on_request_trailers,
  proxy_on_response_headers,
  proxy_on_response_body,
  proxy_on_response_trailers,
} from "./http";
