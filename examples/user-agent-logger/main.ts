// Build entry: exports the ABI callbacks and registers the root context.
export * from "../../assembly/abi/http-filter-exports";
import { registerRootContext, RootContext } from "../../assembly";
import { USER_AGENT_LOGGER_ROOT_ID, UserAgentLoggerRoot } from "./index";

registerRootContext((contextId: u32): RootContext => new UserAgentLoggerRoot(contextId), USER_AGENT_LOGGER_ROOT_ID);
