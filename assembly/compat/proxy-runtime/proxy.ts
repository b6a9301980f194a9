// Replaces `@solo-io/proxy-runtime/proxy` (or `.../assembly/proxy`): the ABI callbacks a filter's entry
// file re-exports. They are our SDK's; proxy-runtime contexts are reached through ./bridge.ts.
export * from "../../abi/exports";
