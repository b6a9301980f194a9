// Replaces `@solo-io/proxy-runtime` (0.1.x): a filter written for it compiles with only its import
// paths changed, and runs on our SDK with statuses as values instead of traps.
// docs/migrating-from-proxy-runtime.md maps this API to ours.
export { BaseContext, RootContext, Context } from "./contexts";
export { registerRootContext } from "./bridge";
export {
  LogLevelValues,
  WasmResultValues,
  GrpcStatusValues,
  FilterStatusValues,
  FilterHeadersStatusValues,
  FilterMetadataStatusValues,
  FilterTrailersStatusValues,
  FilterDataStatusValues,
  PeerTypeValues,
  HeaderMapTypeValues,
  BufferTypeValues,
} from "./enums";
export { HeaderPair, Headers, HeaderStreamManipulator, stream_context } from "./headers";
export { HttpCallback } from "./callouts";
export { Counter, Gauge, Histogram } from "./metrics";
export {
  log,
  send_local_response,
  continue_request,
  continue_response,
  get_property,
  set_property,
  get_buffer_bytes,
  get_buffer_status,
  BufferStatusResult,
  proxy_set_effective_context,
} from "./functions";
export { lastStatus } from "../../status";
