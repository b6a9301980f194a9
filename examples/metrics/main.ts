// Build entry: exports the ABI callbacks and registers the root context.
export * from "../../assembly/abi/exports";
import { registerRootContext, RootContext } from "../../assembly";
import { METRICS_ROOT_ID, MetricsRoot } from "./index";

registerRootContext((contextId: u32): RootContext => new MetricsRoot(contextId), METRICS_ROOT_ID);
