// Host calls for metrics (Envoy stats named "wasmcustom.<name>"). Ids carry the type in their low two bits.

/** `metricType`: 0 counter, 1 gauge, 2 histogram. */
// @ts-ignore: decorator
@external("env", "proxy_define_metric")
export declare function proxy_define_metric(metricType: u32, namePtr: usize, nameSize: usize, returnId: usize): u32;

/** Envoy: counters need delta > 0 (else BadArgument); gauges add it; histograms are BadArgument. */
// @ts-ignore: decorator
@external("env", "proxy_increment_metric")
export declare function proxy_increment_metric(metricId: u32, delta: i64): u32;

/** Envoy: counters add `value`, gauges are set to it, histograms record it. */
// @ts-ignore: decorator
@external("env", "proxy_record_metric")
export declare function proxy_record_metric(metricId: u32, value: u64): u32;

/** Writes a counter's or gauge's value (u64); histograms are BadArgument. */
// @ts-ignore: decorator
@external("env", "proxy_get_metric")
export declare function proxy_get_metric(metricId: u32, returnValue: usize): u32;
