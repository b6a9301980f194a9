// The queue-worker example through the emulator: requests enqueue work, proxy_on_queue_ready reaches the
// registering root, ticks publish a summary to shared data, and shutdown waits for one more tick (proxy_done).
import { readFileSync } from "node:fs";
import { test } from "node:test";
import assert from "node:assert/strict";
import { ProxyWasmHost, SharedStore } from "../../scripts/host/index.ts";
import type { LogLevelName } from "../../scripts/host/index.ts";

const wasm = new URL("../../build/queue-worker.wasm", import.meta.url).pathname;

function start(pluginConfiguration = "", logLevel: LogLevelName = "info", shared?: SharedStore) {
  return ProxyWasmHost.start({ wasm, rootId: "queue_worker", pluginConfiguration, logLevel, shared });
}

function summary(host: ProxyWasmHost): unknown {
  const entry = host.sharedData("queue_worker.summary");
  return entry ? JSON.parse(entry.value.toString()) : null;
}

test("each request's item is processed by the root as soon as it is enqueued", async () => {
  const host = await start();
  host.http().request({ headers: { ":method": "GET", ":path": "/a" } });
  assert.equal(host.metric("queue_worker.processed"), 1, "on_queue_ready ran after the request callback");
  assert.equal(host.sharedQueueSize("queue_worker.jobs"), 0);
  host.http().request({ headers: { ":method": "POST", ":path": "/orders" } });
  assert.equal(host.metric("queue_worker.processed"), 2);
});

test("ticks publish the summary to shared data", async () => {
  const host = await start('{"tick_ms": 250}');
  assert.equal(host.tickPeriod(), 250);
  host.http().request({ headers: { ":method": "GET", ":path": "/a" } });
  host.http().request({ headers: { ":method": "GET", ":path": "/bc" } });
  assert.equal(summary(host), null, "nothing published before the first tick");
  host.advanceClock(249);
  assert.equal(summary(host), null);
  host.advanceClock(1);
  assert.deepEqual(summary(host), { processed: 2, bytes: 13 });
  host.enqueueSharedQueue("queue_worker.jobs", "from elsewhere");
  assert.ok(host.tick());
  assert.deepEqual(summary(host), { processed: 3, bytes: 27 });
});

test("logs items at DEBUG only when the host's log level allows it", async () => {
  const quiet = await start("", "info");
  quiet.http().request({ headers: { ":path": "/x" } });
  assert.deepEqual(quiet.logs("debug"), []);

  const verbose = await start("", "debug");
  verbose.http().request({ headers: { ":path": "/x" } });
  assert.deepEqual(verbose.logs("debug"), ["queue_worker: processed GET /x"]);
});

test("the root that registered the queue last gets the items of every worker", async () => {
  const shared = new SharedStore();
  const first = await start("", "info", shared);
  const second = await start("", "info", shared);
  first.http().request({ headers: { ":path": "/from-first" } });
  assert.equal(first.metric("queue_worker.processed"), undefined, "the first worker is no longer notified");
  assert.equal(second.metric("queue_worker.processed"), 1);
  assert.equal(shared.queueSize(shared.resolveQueue("", "queue_worker.jobs")!), 0);
});

test("shutdown waits for the next tick, which drains the queue, publishes the final summary and calls done", async () => {
  const host = await start('{"tick_ms": 1000}');
  host.http().request({ headers: { ":path": "/a" } }).response().complete();
  assert.equal(host.shutdown(), false, "proxy_on_done returned false");
  assert.equal(host.rootDone, false);
  host.enqueueSharedQueue("queue_worker.jobs", "late item");
  assert.ok(host.tick());
  assert.deepEqual(summary(host), { processed: 2, bytes: 15, final: true });
  assert.equal(host.rootDone, true, "proxy_done let the host delete the root context");
  assert.equal(host.metric("queue_worker.processed"), 2);
  assert.deepEqual(host.contextIds(), []);
});

test("rejects a tick period that is not a positive integer", async () => {
  for (const bad of ['{"tick_ms": 0}', '{"tick_ms": "1s"}', "{}"]) {
    const host = await start(bad);
    assert.equal(host.failState, "ConfigureFailed", bad);
    assert.match(host.logs("critical")[0] ?? "", /^queue_worker: configuration /, bad);
  }
});

test("imports only the ABI 0.2.1 functions it uses", () => {
  const imports = WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(wasm)));
  assert.deepEqual(imports.map((i) => `${i.module}.${i.name}`).sort(), [
    "env.proxy_define_metric",
    "env.proxy_dequeue_shared_queue",
    "env.proxy_done",
    "env.proxy_enqueue_shared_queue",
    "env.proxy_get_buffer_bytes",
    "env.proxy_get_header_map_value",
    "env.proxy_get_log_level",
    "env.proxy_get_property",
    "env.proxy_increment_metric",
    "env.proxy_log",
    "env.proxy_register_shared_queue",
    "env.proxy_set_shared_data",
    "env.proxy_set_tick_period_milliseconds",
  ]);
});
