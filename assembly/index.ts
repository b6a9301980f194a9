// The SDK's public surface. Importing it has no side effects: a filter's build entry registers its
// root context and re-exports the callbacks (./callbacks/) through "./abi/exports".
export { Status, lastStatus } from "./status";
export { Action, BufferType, GrpcStatus, MapType, PeerType, StreamType } from "./types";
export { BaseContext } from "./base-context";
export { RootContext } from "./root-context";
export { StreamContext } from "./stream-context";
export { HttpContext } from "./http-context";
export { TcpContext } from "./tcp-context";
export { registerRootContext } from "./dispatcher";
export { HeaderPair, serializePairs, deserializePairs } from "./pairs";
export {
  HeaderMap,
  requestHeaders,
  requestTrailers,
  responseHeaders,
  responseTrailers,
  httpCallResponseHeaders,
  httpCallResponseTrailers,
  grpcReceiveInitialMetadata,
  grpcReceiveTrailingMetadata,
} from "./headers";
export { BytesView } from "./bytes-view";
export {
  HostBuffer,
  requestBody,
  responseBody,
  downstreamData,
  upstreamData,
  httpCallResponseBody,
  grpcReceiveBuffer,
  vmConfiguration,
  pluginConfiguration,
  foreignFunctionArguments,
} from "./buffers";
export { sendLocalResponse, sendLocalResponseBytes, continueStream, closeStream } from "./http";
export {
  getProperty,
  getPropertyString,
  getPropertyInt64,
  getPropertyBool,
  getPropertyTimestampNanoseconds,
  getPropertyMap,
  setProperty,
  setPropertyString,
  serializePropertyPath,
} from "./properties";
export {
  LogLevel,
  log,
  logTrace,
  logDebug,
  logInfo,
  logWarn,
  logError,
  logCritical,
  isLogEnabled,
  hostLogLevel,
  LogLine,
  logLine,
} from "./logging";
export { currentTimeNanoseconds, currentTimeMilliseconds } from "./time";
export { JsonArray, JsonMember, JsonObject, parseJsonObject, lastJsonError, looksLikeJson } from "./json";
export { jsonArrayElements } from "./json-array";
export { SharedValue, SharedDataUpdate, getSharedData, setSharedData, setSharedDataString, updateSharedData } from "./shared-data";
export { SharedQueue, registerSharedQueue, resolveSharedQueue } from "./shared-queue";
export { MetricType, Metric, Counter, Gauge, Histogram, defineMetric, incrementMetric, recordMetric, getMetric } from "./metrics";
export { parseInteger } from "./integer";
export { HttpCallHandler, HttpCallResponse, dispatchHttpCall, dispatchHttpCallBytes } from "./callouts";
export { GrpcCallHandler, GrpcCallResponse, GrpcStreamHandler, dispatchGrpcCall, openGrpcStream } from "./grpc";
export { callForeignFunction, receiveForeignFunctionCalls } from "./foreign";
