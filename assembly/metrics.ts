// Metrics: Envoy stats the filter defines by name (Envoy shows them as "wasmcustom.<name>"). A name is
// defined with the host once per VM, on first use, and its id cached, so metric objects are cheap handles
// that may be created anywhere (as root fields, or per request).
import { proxy_define_metric, proxy_get_metric, proxy_increment_metric, proxy_record_metric } from "./abi/metrics";
import { arg0, arg0Length, encodeArg, RETURN_PTR, RETURN_U64 } from "./memory";
import { lastStatus, record, Status } from "./status";

export enum MetricType {
  Counter = 0,
  Gauge = 1,
  Histogram = 2,
}

class DefinedMetric {
  constructor(readonly type: MetricType, readonly name: string, readonly id: u32, readonly next: DefinedMetric | null) {}
}

// @ts-ignore: decorator
@lazy let defined: DefinedMetric | null = null;

/** The host id of metric `name` of `type`, defined on first use; 0 when the host refused (see lastStatus()). */
export function defineMetric(type: MetricType, name: string): u32 {
  let known = defined;
  while (known !== null) {
    if (known.type == type && known.name == name) {
      record(Status.Ok);
      return known.id;
    }
    known = known.next;
  }
  encodeArg(name);
  if (record(proxy_define_metric(type, arg0, arg0Length, RETURN_PTR)) != Status.Ok) return 0;
  const id = load<u32>(RETURN_PTR);
  defined = new DefinedMetric(type, name, id, defined);
  return id;
}

/** Counter: adds `delta`, which must be > 0 (else BadArgument). Gauge: adds `delta` (may be negative). Histogram: BadArgument. */
export function incrementMetric(id: u32, delta: i64): Status {
  return record(proxy_increment_metric(id, delta));
}

/** Counter: adds `value`. Gauge: sets it. Histogram: records a sample. */
export function recordMetric(id: u32, value: u64): Status {
  return record(proxy_record_metric(id, value));
}

/** A counter's or gauge's value; 0 on failure (lastStatus(): NotFound for an unknown id, BadArgument for a histogram). */
export function getMetric(id: u32): u64 {
  return record(proxy_get_metric(id, RETURN_U64)) == Status.Ok ? load<u64>(RETURN_U64) : 0;
}

/** `name` with a tag in the dotted Envoy style: `requests` + (`method`, `GET`) is `requests.method.GET`. */
function tagged(name: string, tag: string, value: string): string {
  return name + "." + tag + "." + value;
}

/** What every metric has: a name, a type, and the host id once it was used. */
export class Metric {
  private id: u32 = 0;

  constructor(readonly type: MetricType, readonly name: string) {}

  /** The host id, defining the metric on first use; 0 when the host refused. */
  protected hostId(): u32 {
    if (this.id == 0) this.id = defineMetric(this.type, this.name);
    return this.id;
  }
}

/** A count that only goes up (requests, bytes, errors). */
export class Counter extends Metric {
  constructor(name: string) {
    super(MetricType.Counter, name);
  }

  /** Adds `delta`; Envoy refuses 0 (BadArgument). */
  increment(delta: u64 = 1): Status {
    const id = this.hostId();
    return id != 0 ? incrementMetric(id, <i64>delta) : lastStatus();
  }

  /** The total so far (0 on failure, see lastStatus()). */
  value(): u64 {
    const id = this.hostId();
    return id != 0 ? getMetric(id) : 0;
  }

  /** The counter `<name>.<tag>.<value>`. */
  withTag(tag: string, value: string): Counter {
    return new Counter(tagged(this.name, tag, value));
  }
}

/** A value that goes up and down (active requests, queue length). */
export class Gauge extends Metric {
  constructor(name: string) {
    super(MetricType.Gauge, name);
  }

  set(value: u64): Status {
    const id = this.hostId();
    return id != 0 ? recordMetric(id, value) : lastStatus();
  }

  /** Adds `delta` (negative to subtract). */
  add(delta: i64): Status {
    const id = this.hostId();
    return id != 0 ? incrementMetric(id, delta) : lastStatus();
  }

  value(): u64 {
    const id = this.hostId();
    return id != 0 ? getMetric(id) : 0;
  }

  withTag(tag: string, value: string): Gauge {
    return new Gauge(tagged(this.name, tag, value));
  }
}

/** A distribution of samples (sizes, durations); Envoy computes the quantiles. Its value cannot be read back. */
export class Histogram extends Metric {
  constructor(name: string) {
    super(MetricType.Histogram, name);
  }

  record(value: u64): Status {
    const id = this.hostId();
    return id != 0 ? recordMetric(id, value) : lastStatus();
  }

  withTag(tag: string, value: string): Histogram {
    return new Histogram(tagged(this.name, tag, value));
  }
}
