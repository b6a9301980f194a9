// Build entry: exports the ABI callbacks and registers the root context.
export * from "../../assembly/abi/exports";
import { registerRootContext, RootContext } from "../../assembly";
import { BODY_REWRITE_ROOT_ID, BodyRewriteRoot } from "./index";

registerRootContext((contextId: u32): RootContext => new BodyRewriteRoot(contextId), BODY_REWRITE_ROOT_ID);
