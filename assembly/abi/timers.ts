// Host calls for timers and time.

// @ts-ignore: decorator
@external("env", "proxy_set_tick_period_milliseconds")
export declare function proxy_set_tick_period_milliseconds(periodMilliseconds: u32): u32;

/** Writes the wall-clock time in nanoseconds (u64) to `returnTime`. */
// @ts-ignore: decorator
@external("env", "proxy_get_current_time_nanoseconds")
export declare function proxy_get_current_time_nanoseconds(returnTime: usize): u32;
