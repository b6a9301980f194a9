// proxy-runtime's free functions over our SDK. Each returns the host status (or records it for
// lastStatus()) where proxy-runtime trapped.
import { proxy_set_effective_context as setEffectiveContext } from "../../abi/lifecycle";
import { HostBuffer } from "../../buffers";
import { continueStream, sendLocalResponseBytes } from "../../http";
import { log as sdkLog, LogLevel } from "../../logging";
import { getProperty, setProperty } from "../../properties";
import { lastStatus, record } from "../../status";
import { BufferType, StreamType } from "../../types";
import { BufferTypeValues, GrpcStatusValues, LogLevelValues, WasmResultValues } from "./enums";
import { Headers, headersToPairs } from "./headers";

export function log(level: LogLevelValues, logMessage: string): void {
  sdkLog(<LogLevel><i32>level, logMessage);
}

export function continue_request(): WasmResultValues {
  return <WasmResultValues><i32>continueStream(StreamType.HttpRequest);
}

export function continue_response(): WasmResultValues {
  return <WasmResultValues><i32>continueStream(StreamType.HttpResponse);
}

/** Answers the request from the filter once the current callback returns (docs/abi.md §2.6). */
export function send_local_response(
  response_code: u32,
  response_code_details: string,
  body: ArrayBuffer,
  additional_headers: Headers,
  grpc_status: GrpcStatusValues,
): WasmResultValues {
  const pairs = headersToPairs(additional_headers);
  return <WasmResultValues><i32>sendLocalResponseBytes(response_code, body, pairs, grpc_status, response_code_details);
}

/**
 * A property's raw value; `path` is sent as is, so separate segments with "\0" ("request\0path").
 * Empty when missing: lastStatus() is then NotFound (proxy-runtime trapped).
 */
export function get_property(path: string): ArrayBuffer {
  const value = getProperty([path]);
  return value !== null ? value : new ArrayBuffer(0);
}

export function set_property(path: string, data: ArrayBuffer): WasmResultValues {
  return <WasmResultValues><i32>setProperty([path], data);
}

/** Bytes [start, start + length) of a buffer, clamped; empty when unavailable (see lastStatus()). */
export function get_buffer_bytes(typ: BufferTypeValues, start: u32, length: u32): ArrayBuffer {
  const bytes = new HostBuffer(<BufferType><i32>typ).getBytes(start, length);
  return bytes !== null ? bytes : new ArrayBuffer(0);
}

export class BufferStatusResult {
  result: WasmResultValues = WasmResultValues.Ok;
  length: usize = 0;
  flags: u32 = 0;
}

export function get_buffer_status(typ: BufferTypeValues): BufferStatusResult {
  const status = new BufferStatusResult();
  const length = new HostBuffer(<BufferType><i32>typ).length();
  status.result = <WasmResultValues><i32>lastStatus();
  if (length > 0) status.length = <usize>length;
  return status;
}

/** Makes later calls in this callback act for `context_id` (e.g. a stream, from a callout reply). */
export function proxy_set_effective_context(context_id: u32): WasmResultValues {
  return <WasmResultValues><i32>record(setEffectiveContext(context_id));
}
