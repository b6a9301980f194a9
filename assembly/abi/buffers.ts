// Host calls for buffers: bodies, TCP data, configurations, callout replies, foreign-function arguments.

// @ts-ignore: decorator
@external("env", "proxy_get_buffer_bytes")
export declare function proxy_get_buffer_bytes(bufferType: u32, start: u32, maxSize: u32, returnPtr: usize, returnSize: usize): u32;

/** Envoy semantics: start 0 drains `size` bytes then prepends; start >= length appends; anything between is BadArgument. */
// @ts-ignore: decorator
@external("env", "proxy_set_buffer_bytes")
export declare function proxy_set_buffer_bytes(bufferType: u32, start: u32, size: u32, dataPtr: usize, dataSize: usize): u32;

// @ts-ignore: decorator
@external("env", "proxy_get_buffer_status")
export declare function proxy_get_buffer_status(bufferType: u32, returnLength: usize, returnFlags: usize): u32;
