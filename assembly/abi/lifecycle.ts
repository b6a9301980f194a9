// Host calls of the context lifecycle.

/** Tells the root context's pending shutdown (onDone returned false) that it may finish now. */
// @ts-ignore: decorator
@external("env", "proxy_done")
export declare function proxy_done(): u32;

/** Makes later host calls in this callback act for `contextId` (used to answer callouts per stream). */
// @ts-ignore: decorator
@external("env", "proxy_set_effective_context")
export declare function proxy_set_effective_context(contextId: u32): u32;
