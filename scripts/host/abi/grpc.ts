// gRPC: proxy_grpc_call (tokens 5, 9, …), proxy_grpc_stream (6, 10, …), send/cancel/close, and the
// receive callbacks, which arrive on the root context id like HTTP callouts.

import { Body } from "../body.ts";
import type { GrpcCallout } from "../callout-types.ts";
import { Status } from "../constants.ts";
import type { HeaderMap } from "../header-map.ts";
import type { AreaImplementations } from "../abi-table.ts";
import { decodePairs } from "../pairs.ts";
import type { Vm } from "../vm.ts";

const isCallToken = (t: number) => (t & 3) === 1;
const isStreamToken = (t: number) => (t & 3) === 2;

/** The cluster a GrpcService names: a plain cluster name, or envoy_grpc.cluster_name in the proto. */
function clusterOf(service: Buffer): string | null {
  // GrpcService { EnvoyGrpc envoy_grpc = 1 { string cluster_name = 1; } } — enough to check the cluster.
  if (service.length > 2 && service[0] === 0x0a) {
    const inner = service.subarray(2, 2 + service[1]!);
    if (inner.length > 2 && inner[0] === 0x0a) return inner.subarray(2, 2 + inner[1]!).toString("utf8");
    return null;
  }
  return service.toString("utf8");
}

export function functions(vm: Vm): AreaImplementations<"grpc"> {
  const mem = vm.mem;
  const env = vm.env;
  const start = (
    kind: "call" | "stream",
    svc: [number, number],
    name: [number, number],
    method: [number, number],
    md: [number, number],
    msg: [number, number] | null,
    timeoutMs: number,
    tokenPtr: number,
  ): number => {
    const root = vm.ctx().root;
    for (const [p, n] of [svc, name, method, md, msg ?? [0, 0]]) if (!mem.ok(p, n)) return Status.InvalidMemoryAccess;
    const service = mem.bytes(...svc);
    const cluster = clusterOf(service);
    if (env.options.clusters && (cluster === null || !env.options.clusters.has(cluster))) return Status.ParseFailure;
    let token: number;
    if (kind === "call") token = vm.nextGrpcCallId = (vm.nextGrpcCallId + 4) >>> 0;
    else token = vm.nextGrpcStreamId = (vm.nextGrpcStreamId + 4) >>> 0;
    const call: GrpcCallout = {
      token,
      kind,
      service,
      serviceName: mem.string(...name),
      method: mem.string(...method),
      initialMetadata: decodePairs(mem.view(...md)).map(([k, v]) => [k.toLowerCase(), v] as [string, string]),
      messages: msg ? [mem.bytes(...msg)] : [],
      timeoutMs: timeoutMs >>> 0,
      rootContextId: root.id,
      // Envoy's async client (router) times the call out; 0 = no timeout. Streams never get one.
      deadlineMs: kind === "call" && timeoutMs >>> 0 !== 0 ? env.clock.nowMs() + (timeoutMs >>> 0) : Infinity,
      localClosed: false,
      remoteClosed: false,
    };
    vm.grpcCalls.set(token, call);
    if (call.deadlineMs !== Infinity) {
      vm.armTimer(call);
      vm.onTimerChange?.();
    }
    if (vm.role === "worker") env.events.emit("grpcCall", call);
    return mem.setU32(tokenPtr, token) ? Status.Ok : Status.InvalidMemoryAccess;
  };
  return {
    proxy_grpc_call(sp: number, ss: number, np: number, ns: number, mp: number, ms: number, dp: number, ds: number, qp: number, qs: number, timeout: number, tokenPtr: number): number {
      return start("call", [sp, ss], [np, ns], [mp, ms], [dp, ds], [qp, qs], timeout, tokenPtr);
    },
    proxy_grpc_stream(sp: number, ss: number, np: number, ns: number, mp: number, ms: number, dp: number, ds: number, tokenPtr: number): number {
      return start("stream", [sp, ss], [np, ns], [mp, ms], [dp, ds], null, 0, tokenPtr);
    },
    proxy_grpc_send(token: number, msgPtr: number, msgSize: number, endStream: number): number {
      if (!mem.ok(msgPtr, msgSize)) return Status.InvalidMemoryAccess;
      token >>>= 0;
      if (!isStreamToken(token)) return Status.BadArgument;
      const call = vm.grpcCalls.get(token);
      if (!call) return Status.NotFound;
      call.messages.push(mem.bytes(msgPtr, msgSize));
      if (endStream !== 0) call.localClosed = true;
      return Status.Ok;
    },
    proxy_grpc_cancel(token: number): number {
      token >>>= 0;
      if (!isCallToken(token) && !isStreamToken(token)) return Status.BadArgument;
      return vm.grpcCalls.delete(token) ? Status.Ok : Status.NotFound;
    },
    proxy_grpc_close(token: number): number {
      token >>>= 0;
      if (!isCallToken(token) && !isStreamToken(token)) return Status.BadArgument;
      const call = vm.grpcCalls.get(token);
      if (!call) return Status.NotFound;
      if (isCallToken(token) || call.remoteClosed) vm.grpcCalls.delete(token);
      else call.localClosed = true;
      return Status.Ok;
    },
  };
}

type GrpcEvent =
  | { kind: "initialMetadata"; metadata: HeaderMap }
  | { kind: "message"; message: Buffer }
  | { kind: "trailingMetadata"; metadata: HeaderMap }
  | { kind: "close"; status: number; message: string };

/** Delivers one gRPC event for `token` on its root context (Envoy's onGrpc*Wrapper). */
export function deliverGrpcEvent(vm: Vm, call: GrpcCallout, ev: GrpcEvent): void {
  if (vm.depth > 0) {
    vm.defer(() => deliverGrpcEvent(vm, call, ev));
    return;
  }
  const root = vm.contexts.get(call.rootContextId);
  const cleanup = () => {
    if (call.kind === "call") vm.grpcCalls.delete(call.token);
    else if (ev.kind === "close") {
      call.remoteClosed = true;
      if (call.localClosed) vm.grpcCalls.delete(call.token);
    }
  };
  if (!root || vm.failed) return cleanup();
  switch (ev.kind) {
    case "initialMetadata": {
      const callback = vm.cb.proxy_on_grpc_receive_initial_metadata;
      if (!callback) return;
      root.grpcInitialMetadata = ev.metadata;
      vm.afterCall(() => (root.grpcInitialMetadata = null));
      vm.invoke(callback, root, root.id, call.token, ev.metadata.size);
      return;
    }
    case "trailingMetadata": {
      const callback = vm.cb.proxy_on_grpc_receive_trailing_metadata;
      if (!callback) return;
      root.grpcTrailingMetadata = ev.metadata;
      vm.afterCall(() => (root.grpcTrailingMetadata = null));
      vm.invoke(callback, root, root.id, call.token, ev.metadata.size);
      return;
    }
    case "message": {
      const callback = vm.cb.proxy_on_grpc_receive;
      if (!callback) return cleanup();
      root.grpcReceiveBuffer = new Body(ev.message, false);
      vm.afterCall(() => {
        root.grpcReceiveBuffer = null;
        if (call.kind === "call") cleanup();
      });
      vm.invoke(callback, root, root.id, call.token, ev.message.length);
      return;
    }
    case "close": {
      const callback = vm.cb.proxy_on_grpc_close;
      if (!callback) return cleanup();
      root.statusCode = ev.status >>> 0;
      root.statusMessage = ev.message;
      vm.afterCall(() => {
        root.statusMessage = "";
        cleanup();
      });
      vm.invoke(callback, root, root.id, call.token, ev.status);
      return;
    }
  }
}
