// Build entry: exports the ABI callbacks and registers the root context.
export * from "../../assembly/abi/exports";
import { registerRootContext, RootContext } from "../../assembly";
import { QUEUE_WORKER_ROOT_ID, QueueWorkerRoot } from "./index";

registerRootContext((contextId: u32): RootContext => new QueueWorkerRoot(contextId), QUEUE_WORKER_ROOT_ID);
