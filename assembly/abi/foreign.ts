// Host calls and the callback for foreign functions: host extensions called by name (Envoy ships
// compress, uncompress, set_envoy_filter_state, declare_property, ...).
import { onForeignFunctionHook } from "../foreign";

/**
 * Calls the host function `name` with the argument bytes; the result is allocated with the module's
 * malloc and written as (ptr, size). NotFound for an unknown name.
 */
// @ts-ignore: decorator
@external("env", "proxy_call_foreign_function")
export declare function proxy_call_foreign_function(
  namePtr: usize, nameSize: usize,
  argumentsPtr: usize, argumentsSize: usize,
  returnResultPtr: usize, returnResultSize: usize,
): u32;

/** A host-specific event for the root context; its arguments are in buffer 8 (ForeignFunctionArguments). */
export function proxy_on_foreign_function(rootContextId: u32, functionId: u32, argumentsSize: u32): void {
  const hook = onForeignFunctionHook;
  if (hook !== null) hook(rootContextId, functionId, argumentsSize);
}
