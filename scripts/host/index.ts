// Public API of the Proxy-Wasm host emulator.

export { ProxyWasmHost, type HttpCallResponse, type GrpcStatusInit } from "./host.ts";
export { HttpStream, type HttpMessage, type HttpStreamOptions, type LocalResponse, type BodyInit } from "./http-stream.ts";
export { TcpStream, type Peer } from "./tcp-stream.ts";
export type { HostOptions, ForeignFunction } from "./options.ts";
export { CallbackTimeout, type CallMonitor } from "./outer-call.ts";
export type { HttpCallout, HttpCallDone, HttpCallEnd, GrpcCallout } from "./callout-types.ts";
export type { LogEntry, VmRole } from "./env.ts";
export type { Metric, MetricKind } from "./metric-store.ts";
export type { PropertyValue } from "./property-values.ts";
export { HeaderMap, type HeadersInit } from "./header-map.ts";
export type { Pairs } from "./pairs.ts";
export { encodePairs, decodePairs } from "./pairs.ts";
export { SharedStore } from "./shared-store.ts";
export { HostFunctionHarness, type HostCall, type HarnessOptions } from "./harness.ts";
export { Action, Status, LOG_LEVELS, type FailState, type AbiVersion, type LogLevelName } from "./constants.ts";
