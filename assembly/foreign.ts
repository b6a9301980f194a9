// Foreign functions: host extensions called by name with bytes in and out (Envoy: compress,
// uncompress, set_envoy_filter_state, declare_property, ...), and the host's asynchronous
// proxy_on_foreign_function events, delivered to RootContext.onForeignFunction.
import { proxy_call_foreign_function } from "./abi/foreign";
import { findRoot } from "./dispatcher";
import { arg0, arg0Length, collectGarbage, encodeArg, RETURN_PTR, RETURN_SIZE, takeBytes } from "./memory";
import { record, Status } from "./status";

/** Called by proxy_on_foreign_function once foreign functions are in use; null keeps the callback empty otherwise. */
export let onForeignFunctionHook: ((rootId: u32, functionId: u32, argumentsSize: u32) => void) | null = null;

function deliverForeignFunction(rootId: u32, functionId: u32, argumentsSize: u32): void {
  const root = findRoot(rootId);
  if (root !== null) root.onForeignFunction(functionId, argumentsSize);
  collectGarbage();
}

/**
 * Delivers the host's proxy_on_foreign_function events to RootContext.onForeignFunction. Call it
 * once (e.g. in onConfigure) if the host sends such events; callForeignFunction does it too.
 */
export function receiveForeignFunctionCalls(): void {
  onForeignFunctionHook = deliverForeignFunction;
}

/**
 * Calls the host's foreign function `name` with `args` (null for none). Returns its result (empty
 * when it returned nothing), or null when it failed: lastStatus() is NotFound for an unknown name,
 * or the function's own status (Envoy's compress/uncompress: SerializationFailure).
 */
export function callForeignFunction(name: string, args: ArrayBuffer | null): ArrayBuffer | null {
  receiveForeignFunctionCalls();
  encodeArg(name);
  store<usize>(RETURN_SIZE, 0); // a result-less function may leave the out-parameters untouched
  const status = record(proxy_call_foreign_function(
    arg0, arg0Length,
    args !== null ? changetype<usize>(args) : 0, args !== null ? <usize>args.byteLength : 0,
    RETURN_PTR, RETURN_SIZE,
  ));
  if (status != Status.Ok) return null;
  return takeBytes();
}
