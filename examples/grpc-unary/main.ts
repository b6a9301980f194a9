// Build entry: exports the ABI callbacks and registers the root context.
export * from "../../assembly/abi/exports";
import { registerRootContext, RootContext } from "../../assembly";
import { GRPC_UNARY_ROOT_ID, HealthGateRoot } from "./index";

registerRootContext((contextId: u32): RootContext => new HealthGateRoot(contextId), GRPC_UNARY_ROOT_ID);
