// Host calls for logging (ABI 0.2.1). The only declarations of these imports in the SDK.

/** Logs `size` bytes of UTF-8 at `ptr` with `level` (0 trace .. 5 critical). */
// @ts-ignore: decorator
@external("env", "proxy_log")
export declare function proxy_log(level: i32, messagePtr: usize, messageSize: usize): u32;

/** Writes the host's current log level (u32) to `returnLevel`. ABI 0.2.1 only. */
// @ts-ignore: decorator
@external("env", "proxy_get_log_level")
export declare function proxy_get_log_level(returnLevel: usize): u32;
