// The metrics example through the emulator: counters by method and response class, a histogram of
// request body sizes, a gauge of requests in flight, and the prefix configuration.
import { readFileSync } from "node:fs";
import { test } from "node:test";
import assert from "node:assert/strict";
import { ProxyWasmHost } from "../../scripts/host/index.ts";

const wasm = new URL("../../build/metrics.wasm", import.meta.url).pathname;

function start(pluginConfiguration = "") {
  return ProxyWasmHost.start({ wasm, rootId: "metrics", pluginConfiguration });
}

test("counts requests by method, unknown methods as OTHER", async () => {
  const host = await start();
  for (const method of ["GET", "GET", "POST", "BREW"]) {
    host.http().request({ headers: { ":method": method } }).response().complete();
  }
  assert.equal(host.metric("metrics.requests.method.GET"), 2);
  assert.equal(host.metric("wasmcustom.metrics.requests.method.POST"), 1);
  assert.equal(host.metric("metrics.requests.method.OTHER"), 1);
  assert.equal(host.metric("metrics.requests.method.BREW"), undefined);
  assert.equal(host.metrics().find((m) => m.name === "metrics.requests.method.GET")?.kind, "counter");
});

test("counts responses by class", async () => {
  const host = await start();
  for (const status of ["200", "204", "301", "404", "503", "503"]) {
    host.http().request().response({ headers: { ":status": status } }).complete();
  }
  assert.equal(host.metric("metrics.responses.class.2xx"), 2);
  assert.equal(host.metric("metrics.responses.class.3xx"), 1);
  assert.equal(host.metric("metrics.responses.class.4xx"), 1);
  assert.equal(host.metric("metrics.responses.class.5xx"), 2);
  assert.equal(host.metric("metrics.responses.class.1xx"), undefined);
});

test("records one body-size sample per request, summed over chunks", async () => {
  const host = await start();
  host.http().request({ headers: { ":method": "POST" }, body: ["abc", "defgh"] }).response().complete();
  host.http().request().response().complete();
  host.http().request({ headers: { ":method": "PUT" }, body: "x".repeat(1000) }).response().complete();
  assert.deepEqual(host.histogram("metrics.request_body_bytes"), [8, 0, 1000]);
  assert.equal(host.metrics().find((m) => m.name === "metrics.request_body_bytes")?.kind, "histogram");
});

test("the gauge follows requests in flight", async () => {
  const host = await start();
  const first = host.http().request();
  const second = host.http().request();
  assert.equal(host.metric("metrics.active_requests"), 2);
  first.response().complete();
  assert.equal(host.metric("metrics.active_requests"), 1);
  second.response().complete();
  assert.equal(host.metric("metrics.active_requests"), 0);
});

test("a prefix renames every metric; a bad configuration is rejected", async () => {
  const host = await start('{"prefix": "shop"}');
  assert.ok(host.configured);
  host.http().request({ headers: { ":method": "DELETE" } }).response({ headers: { ":status": "500" } }).complete();
  assert.equal(host.metric("shop.requests.method.DELETE"), 1);
  assert.equal(host.metric("shop.responses.class.5xx"), 1);
  assert.deepEqual(host.histogram("shop.request_body_bytes"), [0]);

  const rejected = await start('{"prefix": 7}');
  assert.equal(rejected.configured, false);
  assert.equal(rejected.failState, "ConfigureFailed");
  assert.match(rejected.logs("critical").join("\n"), /prefix/);
});

test("imports only the ABI 0.2.1 functions it uses", () => {
  const imports = WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(wasm)));
  assert.deepEqual(imports.map((i) => `${i.module}.${i.name}`).sort(), [
    "env.proxy_define_metric",
    "env.proxy_get_buffer_bytes",
    "env.proxy_get_header_map_value",
    "env.proxy_get_log_level",
    "env.proxy_get_property",
    "env.proxy_increment_metric",
    "env.proxy_log",
    "env.proxy_record_metric",
  ]);
});
