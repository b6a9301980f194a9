// Metrics: ids carry the type in their low two bits (counters 4, 8, …; gauges 5, 9, …; histograms 6,
// 10, …), one Envoy stat per name; Envoy's rules for increment/record/get by type.

import { MetricType, Status } from "../constants.ts";
import type { AreaImplementations } from "../abi-table.ts";
import { METRIC_KINDS } from "../metric-store.ts";
import { appendBounded } from "../retention.ts";
import type { Vm } from "../vm.ts";

const U64 = (v: bigint) => BigInt.asUintN(64, v);

export function functions(vm: Vm): AreaImplementations<"metrics"> {
  const mem = vm.mem;
  return {
    proxy_define_metric(type: number, namePtr: number, nameSize: number, idPtr: number): number {
      if (!mem.ok(namePtr, nameSize)) return Status.InvalidMemoryAccess;
      type >>>= 0;
      if (type > MetricType.Histogram) return Status.BadArgument;
      const metric = vm.env.metrics.define(METRIC_KINDS[type]!, mem.string(namePtr, nameSize));
      const id = (vm.nextMetricId[type]! += 4);
      vm.metricIds.set(id, metric);
      return mem.setU32(idPtr, id) ? Status.Ok : Status.InvalidMemoryAccess;
    },
    proxy_increment_metric(id: number, delta: bigint): number {
      id >>>= 0;
      const type = id & 3;
      if (type === MetricType.Counter) {
        const m = vm.metricIds.get(id);
        if (!m) return Status.NotFound;
        if (delta <= 0n) return Status.BadArgument;
        m.value = U64(m.value + delta);
        return Status.Ok;
      }
      if (type === MetricType.Gauge) {
        const m = vm.metricIds.get(id);
        if (!m) return Status.NotFound;
        m.value = U64(m.value + delta);
        return Status.Ok;
      }
      return Status.BadArgument;
    },
    proxy_record_metric(id: number, value: bigint): number {
      id >>>= 0;
      const m = vm.metricIds.get(id);
      if (!m) return Status.NotFound;
      const v = U64(value);
      if (m.kind === "counter") m.value = U64(m.value + v);
      else if (m.kind === "gauge") m.value = v;
      else {
        m.count++;
        appendBounded(m.samples, v, vm.env.options.retainHistogramSamples);
      }
      return Status.Ok;
    },
    proxy_get_metric(id: number, resultPtr: number): number {
      id >>>= 0;
      const type = id & 3;
      if (type !== MetricType.Counter && type !== MetricType.Gauge) return Status.BadArgument;
      const m = vm.metricIds.get(id);
      if (!m) return Status.NotFound;
      return mem.setU64(resultPtr, m.value) ? Status.Ok : Status.InvalidMemoryAccess;
    },
  };
}
