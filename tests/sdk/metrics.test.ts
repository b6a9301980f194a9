// Metrics through the SDK: ids that encode the type, one definition per name, and Envoy's rules as
// statuses (counter increment <= 0 and histogram get/increment are BadArgument, unknown ids NotFound).
// One VM per host (canary: false): the configuration canary's increments would count in the process-wide stats.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { ProxyWasmHost, Status } from "../../scripts/host/index.ts";
import { buildTestFilter, results } from "./build-test-filter.ts";

const source = `
export * from "sdk/abi/exports";
import {
  Action, Counter, defineMetric, Gauge, getMetric, Histogram, HttpContext, incrementMetric, lastStatus, logInfo,
  MetricType, recordMetric, registerRootContext, RootContext,
} from "sdk/index";
import { decimal } from "sdk/decimal";

function report(name: string, value: string): void {
  logInfo(name + "=" + value);
}

function big(value: u64): string {
  return decimal(<u32>(value >> 32)) + ":" + decimal(<u32>value);
}

class Root extends RootContext {
  onConfigure(size: u32): bool {
    const counterId = defineMetric(MetricType.Counter, "c");
    const gaugeId = defineMetric(MetricType.Gauge, "g");
    const histogramId = defineMetric(MetricType.Histogram, "h");
    report("types", decimal(counterId & 3) + " " + decimal(gaugeId & 3) + " " + decimal(histogramId & 3));
    report("cached", defineMetric(MetricType.Counter, "c") == counterId ? "same" : "redefined");
    report("sameNameOtherType", defineMetric(MetricType.Gauge, "c") != counterId ? "distinct" : "shared");
    report("badType", decimal(defineMetric(<MetricType>3, "x")) + " " + decimal(lastStatus()));

    const counter = new Counter("c");
    report("increment", decimal(counter.increment()) + " " + decimal(counter.increment(5)));
    report("incrementZero", decimal(counter.increment(0)));
    report("incrementNegative", decimal(incrementMetric(counterId, -1)));
    report("incrementHuge", decimal(counter.increment(u64.MAX_VALUE)));
    report("recordAdds", decimal(recordMetric(counterId, 4)));
    report("counter", decimal(<u32>new Counter("c").value()) + " " + decimal(lastStatus()));

    const gauge = new Gauge("g");
    report("gaugeSet", decimal(gauge.set(10)) + " " + decimal(gauge.add(-3)));
    report("gauge", decimal(<u32>gauge.value()));
    gauge.set(<u64>1 << 40);
    report("gaugeBig", big(gauge.value()));

    const histogram = new Histogram("h");
    report("record", decimal(histogram.record(5)) + " " + decimal(histogram.record(7)));
    report("histogramIncrement", decimal(incrementMetric(histogramId, 1)));
    const read = getMetric(histogramId);
    report("histogramGet", decimal(<u32>read) + " " + decimal(lastStatus()));

    const unknownCounter = (counterId + 4000) & ~3;
    report("unknownGet", decimal(<u32>getMetric(unknownCounter)) + " " + decimal(lastStatus()));
    report("unknownIncrement", decimal(incrementMetric(unknownCounter | 1, 1)));
    report("unknownRecord", decimal(recordMetric(unknownCounter | 2, 1)));

    new Counter("requests").withTag("method", "GET").increment();
    report("tagged", new Gauge("g").withTag("zone", "a").name + " " + new Histogram("h").withTag("x", "y").name);
    return true;
  }

  createHttpContext(id: u32): HttpContext {
    return new Stream(id, this);
  }
}

class Stream extends HttpContext {
  onRequestHeaders(count: u32, endOfStream: bool): Action {
    new Counter("c").increment(100);
    new Histogram("h").record(this.id);
    return Action.Continue;
  }
}

registerRootContext((id: u32): RootContext => new Root(id), "metrics_test");
`;

let wasm = "";
before(async () => {
  wasm = await buildTestFilter("metrics", source);
});

test("ids encode the type and each name is defined once per type", async () => {
  const host = await ProxyWasmHost.start({ wasm, rootId: "metrics_test", canary: false });
  assert.ok(host.configured, host.failMessage);
  const r = results(host.logs("info"));
  assert.equal(r.get("types"), "0 1 2");
  assert.equal(r.get("cached"), "same");
  assert.equal(r.get("sameNameOtherType"), "distinct");
  assert.equal(r.get("badType"), `0 ${Status.BadArgument}`);
});

test("counters: increments must be positive, record adds, values read back", async () => {
  const host = await ProxyWasmHost.start({ wasm, rootId: "metrics_test", canary: false });
  const r = results(host.logs("info"));
  assert.equal(r.get("increment"), `${Status.Ok} ${Status.Ok}`);
  assert.equal(r.get("incrementZero"), `${Status.BadArgument}`);
  assert.equal(r.get("incrementNegative"), `${Status.BadArgument}`);
  assert.equal(r.get("incrementHuge"), `${Status.BadArgument}`, "u64 above i64 max is negative on the wire");
  assert.equal(r.get("recordAdds"), `${Status.Ok}`);
  assert.equal(r.get("counter"), `10 ${Status.Ok}`);
  assert.equal(host.metric("c"), 10);
  host.http().request().response().complete();
  assert.equal(host.metric("c"), 110, "a stream context uses the same stat");
});

test("gauges: set replaces, add may subtract, 64-bit values survive", async () => {
  const host = await ProxyWasmHost.start({ wasm, rootId: "metrics_test", canary: false });
  const r = results(host.logs("info"));
  assert.equal(r.get("gaugeSet"), `${Status.Ok} ${Status.Ok}`);
  assert.equal(r.get("gauge"), "7");
  assert.equal(r.get("gaugeBig"), "256:0");
  assert.equal(host.metrics().find((m) => m.name === "g" && m.kind === "gauge")?.value, 1n << 40n);
});

test("histograms record; get and increment are BadArgument; unknown ids are NotFound", async () => {
  const host = await ProxyWasmHost.start({ wasm, rootId: "metrics_test", canary: false });
  const r = results(host.logs("info"));
  assert.equal(r.get("record"), `${Status.Ok} ${Status.Ok}`);
  assert.equal(r.get("histogramIncrement"), `${Status.BadArgument}`);
  assert.equal(r.get("histogramGet"), `0 ${Status.BadArgument}`);
  assert.equal(r.get("unknownGet"), `0 ${Status.NotFound}`);
  assert.equal(r.get("unknownIncrement"), `${Status.NotFound}`);
  assert.equal(r.get("unknownRecord"), `${Status.NotFound}`);
  const stream = host.http().request().response().complete();
  assert.deepEqual(host.histogram("h"), [5, 7, stream.id]);
});

test("tags extend the name", async () => {
  const host = await ProxyWasmHost.start({ wasm, rootId: "metrics_test", canary: false });
  assert.equal(host.metric("requests.method.GET"), 1);
  assert.equal(results(host.logs("info")).get("tagged"), "g.zone.a h.x.y");
});
