// Build entry: exports the ABI callbacks and registers the root context.
export * from "../../assembly/abi/exports";
import { registerRootContext, RootContext } from "../../assembly";
import { TCP_BYTE_COUNTER_ROOT_ID, ByteCounterRoot } from "./index";

registerRootContext((contextId: u32): RootContext => new ByteCounterRoot(contextId), TCP_BYTE_COUNTER_ROOT_ID);
