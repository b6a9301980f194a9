// Enumerations of the Proxy-Wasm ABI (docs/abi.md §1.5) and of proxy-wasm-cpp-host.

/** proxy_status_t / cpp-host WasmResult. */
export const Status = {
  Ok: 0,
  NotFound: 1,
  BadArgument: 2,
  SerializationFailure: 3,
  ParseFailure: 4,
  InvalidMemoryAccess: 6,
  Empty: 7,
  CasMismatch: 8,
  InternalFailure: 10,
  BrokenConnection: 11,
  Unimplemented: 12,
} as const;

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "critical"] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

export const BufferType = {
  HttpRequestBody: 0,
  HttpResponseBody: 1,
  DownstreamData: 2,
  UpstreamData: 3,
  HttpCallResponseBody: 4,
  GrpcReceiveBuffer: 5,
  VmConfiguration: 6,
  PluginConfiguration: 7,
  CallData: 8,
} as const;
export const BUFFER_TYPE_MAX = 8;

export const MapType = {
  RequestHeaders: 0,
  RequestTrailers: 1,
  ResponseHeaders: 2,
  ResponseTrailers: 3,
  GrpcReceiveInitialMetadata: 4,
  GrpcReceiveTrailingMetadata: 5,
  HttpCallResponseHeaders: 6,
  HttpCallResponseTrailers: 7,
} as const;
export const MAP_TYPE_MAX = 7;

export const StreamType = { Request: 0, Response: 1, Downstream: 2, Upstream: 3 } as const;
export const STREAM_TYPE_MAX = 3;

export const PeerType = { Unknown: 0, Local: 1, Remote: 2 } as const;

export const MetricType = { Counter: 0, Gauge: 1, Histogram: 2 } as const;

/** Return values of proxy_on_*: 0 continues, 1 pauses (Envoy maps the others per docs/abi.md §2.6). */
export const Action = { Continue: 0, Pause: 1 } as const;

/** cpp-host FailState names, as reported by the emulator. */
export type FailState =
  | "Ok"
  | "UnableToCreateVm"
  | "MissingFunction"
  | "UnableToInitializeCode"
  | "StartFailed"
  | "ConfigureFailed"
  | "RuntimeError";

export const WasiErrno = {
  Success: 0,
  Badf: 8,
  Fault: 21,
  Inval: 28,
  Noent: 44,
  Nosys: 52,
  Notsup: 58,
} as const;

export type { AbiVersion } from "./abi-table.ts";

/** Limits of proxy-wasm-cpp-host (include/proxy-wasm/limits.h) and Envoy's V8 flags. */
export const Limits = {
  maxMemoryPages: 16384,
  randomGetMaxBytes: 65536,
  pairsMaxBytes: 1 << 20,
  pairsMaxCount: 1024,
  backtraceFrames: 20,
} as const;

/** gRPC status UNAVAILABLE, used by Envoy's fail-closed local reply. */
export const GRPC_UNAVAILABLE = 14;
