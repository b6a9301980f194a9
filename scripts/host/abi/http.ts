// HTTP: the stream callbacks, proxy_send_local_response, proxy_continue_stream and proxy_close_stream.
// All three stream actions are deferred until the current host→VM call returns (addAfterVmCallAction).

import { STREAM_TYPE_MAX, Status, StreamType } from "../constants.ts";
import type { AreaImplementations } from "../abi-table.ts";
import { decodePairs } from "../pairs.ts";
import type { Vm } from "../vm.ts";

/** Envoy Context::continueStream (also behind 0.1.0's continue_request/continue_response). */
export function continueStream(vm: Vm, type: number): number {
  const ctx = vm.ctx();
  switch (type) {
    case StreamType.Request:
      if (ctx.http) {
        const http = ctx.http;
        vm.defer(() => http.continueDecoding());
      }
      break;
    case StreamType.Response:
      if (ctx.http) {
        const http = ctx.http;
        vm.defer(() => http.continueEncoding());
      }
      break;
    case StreamType.Downstream:
      if (ctx.tcp) {
        const tcp = ctx.tcp;
        vm.defer(() => tcp.continueReading());
      }
      return Status.Ok;
    case StreamType.Upstream:
      return Status.Unimplemented;
    default:
      return Status.BadArgument;
  }
  // Envoy drops its request pointers after any HTTP continue: later writes get BAD_ARGUMENT.
  ctx.requestHeaders = null;
  ctx.requestBody = null;
  ctx.requestTrailers = null;
  return Status.Ok;
}

export function functions(vm: Vm): AreaImplementations<"http"> {
  const mem = vm.mem;
  return {
    proxy_send_local_response(
      code: number,
      detailsPtr: number,
      detailsSize: number,
      bodyPtr: number,
      bodySize: number,
      headersPtr: number,
      headersSize: number,
      grpcStatus: number,
    ): number {
      if (!mem.ok(detailsPtr, detailsSize) || !mem.ok(bodyPtr, bodySize) || !mem.ok(headersPtr, headersSize)) {
        return Status.InvalidMemoryAccess;
      }
      const headers = decodePairs(mem.view(headersPtr, headersSize)).map(
        ([k, v]) => [k.toLowerCase(), v] as [string, string],
      );
      const http = vm.ctx().http;
      if (http) {
        const reply = {
          statusCode: code >>> 0,
          details: mem.string(detailsPtr, detailsSize).replace(/\s/g, "_"),
          body: mem.bytes(bodyPtr, bodySize),
          headers,
          grpcStatus: grpcStatus >>> 0 <= 16 ? grpcStatus >>> 0 : null,
        };
        vm.defer(() => http.sendLocalReply(reply));
      }
      vm.stopNext = true;
      return Status.Ok;
    },
    proxy_continue_stream(type: number): number {
      if (type >>> 0 > STREAM_TYPE_MAX) return Status.BadArgument;
      return continueStream(vm, type);
    },
    proxy_close_stream(type: number): number {
      if (type >>> 0 > STREAM_TYPE_MAX) return Status.BadArgument;
      const ctx = vm.ctx();
      if (type === StreamType.Request || type === StreamType.Response) {
        const http = ctx.http;
        if (http) vm.defer(() => http.resetStream("wasm_close_stream"));
      } else {
        const tcp = ctx.tcp;
        if (tcp) vm.defer(() => tcp.closeByFilter(type === StreamType.Downstream ? "wasm_downstream_close" : "wasm_upstream_close"));
      }
      return Status.Ok;
    },
  };
}
