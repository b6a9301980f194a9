// Routes the host's callbacks (from callbacks/) to the user's context objects.
import { BaseContext, ContextKind } from "./base-context";
import { addContext, findContext, findContextInline, removeContext } from "./context-table";
import { HttpContext } from "./http-context";
import { isLogEnabled, log, LogLevel, noteContextCreated } from "./logging";
import { collectGarbage } from "./memory";
import { abandonCallouts } from "./pending-callouts";
import { pluginRootId } from "./properties";
import { RootContext } from "./root-context";
import { StreamContext } from "./stream-context";
import { TcpContext } from "./tcp-context";
import { Action, PeerType } from "./types";

class RootRegistration {
  constructor(
    readonly rootId: string,
    readonly factory: (contextId: u32) => RootContext,
    readonly next: RootRegistration | null,
  ) {}
}

/** The most recent registration; `next` leads to earlier ones. */
let registrations: RootRegistration | null = null;

/**
 * Makes `factory` create the root context for plugins configured with `rootId`. When only one root
 * is registered it serves any root id the host gives, so a mismatched root_id does not break the filter.
 */
export function registerRootContext(factory: (contextId: u32) => RootContext, rootId: string): void {
  registrations = new RootRegistration(rootId, factory, registrations);
}

function chooseRegistration(): RootRegistration | null {
  const first = registrations;
  const only = first !== null && first.next === null ? first : null;
  if (only !== null && !isLogEnabled(LogLevel.Debug)) return only;
  const hostRootId = pluginRootId();
  let candidate = first;
  while (candidate !== null) {
    if (candidate.rootId == hostRootId) return candidate;
    candidate = candidate.next;
  }
  log(only !== null ? LogLevel.Debug : LogLevel.Critical, (only !== null ? "sole" : "no") + " root context for root id " + hostRootId);
  return only;
}

export function findRoot(id: u32): RootContext | null {
  const context = findContext(id);
  return context !== null && context.kind == ContextKind.Root ? changetype<RootContext>(context) : null;
}

export function findStream(id: u32): StreamContext | null {
  const context = findContext(id);
  return context !== null && context.kind != ContextKind.Root ? changetype<StreamContext>(context) : null;
}

// @ts-ignore: decorator
@inline
function findHttp(id: u32): HttpContext | null {
  const context = findContextInline(id);
  return context !== null && context.kind == ContextKind.Http ? changetype<HttpContext>(context) : null;
}

function findTcp(id: u32): TcpContext | null {
  const context = findContext(id);
  return context !== null && context.kind == ContextKind.Tcp ? changetype<TcpContext>(context) : null;
}

// @ts-ignore: decorator
@inline
export function onContextCreate(id: u32, parentId: u32): void {
  noteContextCreated(parentId == 0);
  let context: BaseContext | null = null;
  if (parentId == 0) {
    const registration = chooseRegistration();
    if (registration !== null) {
      const root = registration.factory(id);
      root.rootId = registration.rootId;
      context = root;
    }
  } else {
    // A root that creates no context for a stream simply does not filter it.
    const parent = findContextInline(parentId); // findRoot, inlined on this per-stream path
    if (parent !== null && parent.kind == ContextKind.Root) {
      const root = changetype<RootContext>(parent);
      context = root.createHttpContext(id);
      if (context === null) context = root.createTcpContext(id);
    }
  }
  if (context !== null) addContext(context); // one copy of the inlined addContext for roots and streams
}

export function onVmStart(rootId: u32, vmConfigurationSize: u32): u32 {
  const root = findRoot(rootId);
  return root !== null && root.onVmStart(vmConfigurationSize) ? 1 : 0;
}

export function onConfigure(rootId: u32, pluginConfigurationSize: u32): u32 {
  const root = findRoot(rootId);
  const accepted = root !== null && root.onConfigure(pluginConfigurationSize);
  collectGarbage();
  return accepted ? 1 : 0;
}

export function onTick(rootId: u32): void {
  const root = findRoot(rootId);
  if (root !== null) root.onTick();
  collectGarbage();
}

export function onLog(id: u32): void {
  const context = findContextInline(id);
  if (context !== null && context.kind != ContextKind.Root) changetype<StreamContext>(context).onLog();
}

export function onDone(id: u32): u32 {
  const context = findContextInline(id);
  if (context === null) return 1;
  if (context.kind == ContextKind.Root) return changetype<RootContext>(context).onDone() ? 1 : 0;
  changetype<StreamContext>(context).onDone();
  return 1;
}

// @ts-ignore: decorator
@inline
export function onDelete(id: u32): void {
  const context = findContextInline(id);
  if (context === null) return;
  if (context.kind == ContextKind.Root) changetype<RootContext>(context).onDelete();
  else changetype<StreamContext>(context).onDelete();
  abandonCallouts(id);
  removeContext(context);
  collectGarbage();
}

export function onRequestHeaders(id: u32, headerCount: u32, endOfStream: bool): u32 {
  const http = findHttp(id);
  return http !== null ? http.onRequestHeaders(headerCount, endOfStream) : Action.Continue;
}

export function onRequestBody(id: u32, bodySize: u32, endOfStream: bool): u32 {
  const http = findHttp(id);
  return http !== null ? http.onRequestBody(bodySize, endOfStream) : Action.Continue;
}

export function onRequestTrailers(id: u32, trailerCount: u32): u32 {
  const http = findHttp(id);
  return http !== null ? http.onRequestTrailers(trailerCount) : Action.Continue;
}

export function onResponseHeaders(id: u32, headerCount: u32, endOfStream: bool): u32 {
  const http = findHttp(id);
  return http !== null ? http.onResponseHeaders(headerCount, endOfStream) : Action.Continue;
}

export function onResponseBody(id: u32, bodySize: u32, endOfStream: bool): u32 {
  const http = findHttp(id);
  return http !== null ? http.onResponseBody(bodySize, endOfStream) : Action.Continue;
}

export function onResponseTrailers(id: u32, trailerCount: u32): u32 {
  const http = findHttp(id);
  return http !== null ? http.onResponseTrailers(trailerCount) : Action.Continue;
}

export function onNewConnection(id: u32): u32 {
  const tcp = findTcp(id);
  return tcp !== null ? tcp.onNewConnection() : Action.Continue;
}

export function onDownstreamData(id: u32, dataSize: u32, endOfStream: bool): u32 {
  const tcp = findTcp(id);
  return tcp !== null ? tcp.onDownstreamData(dataSize, endOfStream) : Action.Continue;
}

export function onUpstreamData(id: u32, dataSize: u32, endOfStream: bool): u32 {
  const tcp = findTcp(id);
  return tcp !== null ? tcp.onUpstreamData(dataSize, endOfStream) : Action.Continue;
}

export function onDownstreamConnectionClose(id: u32, peer: u32): void {
  const tcp = findTcp(id);
  if (tcp !== null) tcp.onDownstreamConnectionClose(<PeerType>peer);
}

export function onUpstreamConnectionClose(id: u32, peer: u32): void {
  const tcp = findTcp(id);
  if (tcp !== null) tcp.onUpstreamConnectionClose(<PeerType>peer);
}
