// proxy-runtime's metric classes over our metric functions. The metric is defined when constructed;
// where proxy-runtime threw on a refusal, metric_id stays 0 and the calls return NotFound.
import { defineMetric, incrementMetric, MetricType, recordMetric } from "../../metrics";
import { WasmResultValues } from "./enums";

class Metric {
  metric_id: u32;

  constructor(type: MetricType, name: string) {
    this.metric_id = defineMetric(type, name);
  }
}

export class Counter extends Metric {
  constructor(name: string) {
    super(MetricType.Counter, name);
  }

  increment(offset: u32): WasmResultValues {
    return <WasmResultValues><i32>incrementMetric(this.metric_id, offset);
  }
}

export class Gauge extends Metric {
  constructor(name: string) {
    super(MetricType.Gauge, name);
  }

  increment(offset: i64): WasmResultValues {
    return <WasmResultValues><i32>incrementMetric(this.metric_id, offset);
  }

  /** As in proxy-runtime, records to the metric id given, not necessarily this one. */
  record(metric_id: u32, value: u64): WasmResultValues {
    return <WasmResultValues><i32>recordMetric(metric_id, value);
  }
}

export class Histogram extends Metric {
  constructor(name: string) {
    super(MetricType.Histogram, name);
  }

  /** Envoy refuses increments of histograms (BadArgument); use record. */
  increment(offset: i64): WasmResultValues {
    return <WasmResultValues><i32>incrementMetric(this.metric_id, offset);
  }

  record(metric_id: u32, value: u64): WasmResultValues {
    return <WasmResultValues><i32>recordMetric(metric_id, value);
  }
}
