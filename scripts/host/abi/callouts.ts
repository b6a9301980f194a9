// HTTP callouts: proxy_http_call (owned by the root context, tokens 4, 8, 12, …), proxy_get_status,
// and proxy_on_http_call_response, which always arrives on the root context id.

import { Body } from "../body.ts";
import type { HttpCallout } from "../callout-types.ts";
import { Status } from "../constants.ts";
import { HeaderMap } from "../header-map.ts";
import type { AreaImplementations } from "../abi-table.ts";
import { decodePairs } from "../pairs.ts";
import type { Vm } from "../vm.ts";

export function functions(vm: Vm): AreaImplementations<"callouts"> {
  const mem = vm.mem;
  const env = vm.env;
  return {
    proxy_http_call(
      upPtr: number,
      upSize: number,
      hdrPtr: number,
      hdrSize: number,
      bodyPtr: number,
      bodySize: number,
      trlPtr: number,
      trlSize: number,
      timeoutMs: number,
      tokenPtr: number,
    ): number {
      const caller = vm.ctx();
      const root = caller.root;
      if (!mem.ok(upPtr, upSize) || !mem.ok(bodyPtr, bodySize) || !mem.ok(hdrPtr, hdrSize) || !mem.ok(trlPtr, trlSize)) {
        return Status.InvalidMemoryAccess;
      }
      const headers = HeaderMap.from(decodePairs(mem.view(hdrPtr, hdrSize)));
      const trailers = decodePairs(mem.view(trlPtr, trlSize)).map(([k, v]) => [k.toLowerCase(), v] as [string, string]);
      if (!mem.setU32(tokenPtr, 0)) return Status.InvalidMemoryAccess;
      if ((timeoutMs | 0) < 0) return Status.BadArgument;
      const cluster = mem.string(upPtr, upSize);
      if (env.options.clusters && !env.options.clusters.has(cluster)) return Status.BadArgument;
      if (!headers.has(":path") || !headers.has(":method") || !headers.has(":authority")) return Status.BadArgument;
      const body = mem.bytes(bodyPtr, bodySize);
      if (body.length > 0) headers.set("content-length", String(body.length));
      vm.nextHttpCallId = (vm.nextHttpCallId + 4) >>> 0;
      const call: HttpCallout = {
        token: vm.nextHttpCallId,
        cluster,
        headers: headers.toPairs(),
        body,
        trailers,
        timeoutMs: timeoutMs >>> 0,
        contextId: caller.id,
        rootContextId: root.id,
        deadlineMs: timeoutMs === 0 ? Infinity : env.clock.nowMs() + (timeoutMs >>> 0),
      };
      vm.httpCalls.set(call.token, call);
      if (call.deadlineMs !== Infinity) vm.armTimer(call);
      mem.setU32(tokenPtr, call.token);
      if (vm.role === "worker") env.events.emit("httpCall", call);
      vm.onTimerChange?.();
      return Status.Ok;
    },
    proxy_get_status(codePtr: number, msgPtrPtr: number, msgSizePtr: number): number {
      const root = vm.ctx().root;
      if (!mem.setU32(codePtr, root.statusCode)) return Status.InvalidMemoryAccess;
      return vm.copyOutString(root.statusMessage, msgPtrPtr, msgSizePtr);
    },
  };
}

export interface CallResponseInit {
  headers: HeaderMap;
  body: Buffer;
  trailers: HeaderMap | null;
}

/**
 * Envoy onHttpCallSuccess / onHttpCallFailure: delivers proxy_on_http_call_response(root, token, …)
 * with the response readable only during that call; failure ⇒ (0, 0, 0) and status (11, "reset").
 */
export function deliverHttpCallResponse(vm: Vm, call: HttpCallout, response: CallResponseInit | null): void {
  if (vm.depth > 0) {
    vm.defer(() => deliverHttpCallResponse(vm, call, response));
    return;
  }
  vm.httpCalls.delete(call.token);
  const root = vm.contexts.get(call.rootContextId);
  const callback = vm.cb.proxy_on_http_call_response;
  if (!root || vm.failed || !callback) return;
  if (response) {
    root.httpCallResponse = { headers: response.headers, body: new Body(response.body, false), trailers: response.trailers };
    vm.afterCall(() => {
      root.httpCallResponse = null;
    });
    vm.invoke(callback, root, root.id, call.token, response.headers.size, response.body.length, response.trailers?.size ?? 0);
  } else {
    root.statusCode = Status.BrokenConnection;
    root.statusMessage = "reset";
    vm.afterCall(() => {
      root.statusMessage = "";
    });
    vm.invoke(callback, root, root.id, call.token, 0, 0, 0);
  }
}
