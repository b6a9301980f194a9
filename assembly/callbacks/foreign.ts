// The foreign-function event callback. Its hook stays null (an empty callback) unless the filter
// receives foreign-function events.
import { onForeignFunctionHook } from "../foreign";

/** A host-specific event for the root context; its arguments are in buffer 8 (ForeignFunctionArguments). */
export function proxy_on_foreign_function(rootContextId: u32, functionId: u32, argumentsSize: u32): void {
  const hook = onForeignFunctionHook;
  if (hook !== null) hook(rootContextId, functionId, argumentsSize);
}
