// Build entry: exports the ABI callbacks and registers the root context.
export * from "../../assembly/abi/http-filter-exports";
import { registerRootContext, RootContext } from "../../assembly";
import { ADD_HEADER_ROOT_ID, AddHeaderRoot } from "./index";

registerRootContext((contextId: u32): RootContext => new AddHeaderRoot(contextId), ADD_HEADER_ROOT_ID);
