// Build entry: exports the ABI callbacks and registers the root context.
export * from "../../assembly/abi/exports";
import { registerRootContext, RootContext } from "../../assembly";
import { COMPRESS_BODY_ROOT_ID, CompressBodyRoot } from "./index";

registerRootContext((contextId: u32): RootContext => new CompressBodyRoot(contextId), COMPRESS_BODY_ROOT_ID);
