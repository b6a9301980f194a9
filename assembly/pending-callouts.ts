// Calls in flight (HTTP callouts, gRPC calls and streams), by token and by the context that made them.
// The host answers on the root context id with only the token, so the reply finds its handler here;
// a deleted context's calls are dropped (gRPC ones cancelled on the host) before a reply can reach it.
import { proxy_get_status } from "./abi/callouts";
import { proxy_set_effective_context } from "./abi/lifecycle";
import { BaseContext, ContextKind } from "./base-context";
import { findContext } from "./context-table";
import { RETURN_PTR, RETURN_SIZE, RETURN_U64, takeString } from "./memory";
import { Status } from "./status";

/** What the HTTP and gRPC handlers share: the context that made the call and the host's token. */
export class Callout {
  /** The host's token for the call (0 before it is made); it stays readable after the call is over. */
  token: u32 = 0;
  /** SDK bookkeeping: the next call in flight of the same context. */
  nextOfContext: Callout | null = null;

  /** `context` made the call; it is the effective context while the handler's callbacks run. */
  constructor(readonly context: BaseContext) {}

  /** Ends the call on the host when its context goes away (nothing to do for HTTP callouts). */
  abandon(): void {}
}

// @ts-ignore: decorator
@lazy const byToken = new Map<u32, Callout>();
/** The newest call in flight of each context (the others follow through nextOfContext). */
// @ts-ignore: decorator
@lazy const byContext = new Map<u32, Callout>();

/**
 * The function table index of abandonCalloutsOf once a call was made, else 0. A plain index rather than
 * a function reference: the dispatcher refers to it in every filter, and a reference type would add
 * its runtime type information even to filters that never make a call.
 */
let contextDeletedHook: u32 = 0;

/** Records a call the host accepted with `token`. */
export function trackCallout(callout: Callout, token: u32): void {
  contextDeletedHook = abandonCalloutsOf.index;
  callout.token = token;
  byToken.set(token, callout);
  const id = callout.context.id;
  callout.nextOfContext = byContext.has(id) ? byContext.get(id) : null;
  byContext.set(id, callout);
}

/** The call in flight with `token`, or null (an unknown token is not an error: drop the reply). */
export function findCallout(token: u32): Callout | null {
  return byToken.has(token) ? byToken.get(token) : null;
}

/** Whether the call was made and is not over yet. */
export function isInFlight(callout: Callout): bool {
  const token = callout.token;
  return token != 0 && byToken.has(token) && byToken.get(token) === callout;
}

/** Forgets a call that is over (answered, failed, cancelled). */
export function forgetCallout(callout: Callout): void {
  if (!isInFlight(callout)) return;
  byToken.delete(callout.token);
  const id = callout.context.id;
  let previous: Callout | null = null;
  let current = byContext.has(id) ? byContext.get(id) : null;
  while (current !== null && current !== callout) {
    previous = current;
    current = current.nextOfContext;
  }
  const next = callout.nextOfContext;
  callout.nextOfContext = null;
  if (previous !== null) previous.nextOfContext = next;
  else if (next !== null) byContext.set(id, next);
  else byContext.delete(id);
}

function abandonCalloutsOf(contextId: u32): void {
  if (!byContext.has(contextId)) return;
  let callout: Callout | null = byContext.get(contextId);
  byContext.delete(contextId);
  while (callout !== null) {
    const next: Callout | null = callout.nextOfContext;
    byToken.delete(callout.token);
    callout.nextOfContext = null;
    callout.abandon();
    callout = next;
  }
}

/** The dispatcher calls this when a context is deleted: its calls in flight are dropped. */
// @ts-ignore: decorator
@inline
export function abandonCallouts(contextId: u32): void {
  const hook = contextDeletedHook;
  if (hook != 0) call_indirect<void>(hook, contextId);
}

/**
 * Makes the calling context the effective one for the host calls of a reply's callback. False when
 * that context is gone (the reply is then dropped); replies to a root context need nothing.
 */
export function enterCalloutContext(callout: Callout): bool {
  const context = callout.context;
  if (context.kind == ContextKind.Root) return true;
  return findContext(context.id) === context && proxy_set_effective_context(context.id) == Status.Ok;
}

/** The message of the root context's status: "reset" after a failed callout, a gRPC close's message. */
export function hostStatusMessage(): string {
  store<u32>(RETURN_U64, 0);
  return proxy_get_status(RETURN_U64, RETURN_PTR, RETURN_SIZE) == Status.Ok ? takeString() : "";
}

/** The code of the root context's status, as the last hostStatusMessage() call read it. */
// @ts-ignore: decorator
@inline
export function hostStatusCode(): u32 {
  return load<u32>(RETURN_U64);
}
