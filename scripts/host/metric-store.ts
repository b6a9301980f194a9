// Envoy stats behind proxy_define_metric: one stat per (type, name), shared by every VM of the host
// (the canary and the worker define the same names). Envoy names them "wasmcustom.<name>".

export type MetricKind = "counter" | "gauge" | "histogram";

export interface Metric {
  readonly name: string;
  readonly kind: MetricKind;
  /** Counter total or gauge value (uint64). */
  value: bigint;
  /** Values recorded into a histogram (the most recent `retainHistogramSamples` of them). */
  readonly samples: bigint[];
  /** How many values were recorded into a histogram, including those no longer kept. */
  count: number;
}

export const METRIC_KINDS: readonly MetricKind[] = ["counter", "gauge", "histogram"];

export class MetricStore {
  private readonly byKey = new Map<string, Metric>();

  define(kind: MetricKind, name: string): Metric {
    const key = `${kind}\0${name}`;
    let m = this.byKey.get(key);
    if (!m) this.byKey.set(key, (m = { name, kind, value: 0n, samples: [], count: 0 }));
    return m;
  }

  find(name: string, kind?: MetricKind): Metric | undefined {
    if (name.startsWith("wasmcustom.")) name = name.slice("wasmcustom.".length);
    for (const k of kind ? [kind] : METRIC_KINDS) {
      const m = this.byKey.get(`${k}\0${name}`);
      if (m) return m;
    }
    return undefined;
  }

  all(): Metric[] {
    return [...this.byKey.values()];
  }
}
