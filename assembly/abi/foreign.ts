// Host calls for foreign functions: host extensions called by name (Envoy ships
// compress, uncompress, set_envoy_filter_state, declare_property, ...).

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
