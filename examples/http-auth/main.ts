// Build entry: exports the ABI callbacks and registers the root context.
export * from "../../assembly/abi/exports";
import { registerRootContext, RootContext } from "../../assembly";
import { HTTP_AUTH_ROOT_ID, HttpAuthRoot } from "./index";

registerRootContext((contextId: u32): RootContext => new HttpAuthRoot(contextId), HTTP_AUTH_ROOT_ID);
