// Build entry: exports the ABI callbacks and registers the root context.
export * from "../../assembly/abi/exports";
import { registerRootContext, RootContext } from "../../assembly";
import { RATE_LIMIT_ROOT_ID, RateLimitRoot } from "./index";

registerRootContext((contextId: u32): RootContext => new RateLimitRoot(contextId), RATE_LIMIT_ROOT_ID);
