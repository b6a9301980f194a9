// The rate-limit example through the emulator: a fixed window over shared data, 429 with retry-after,
// windows moving with the virtual clock, one limit for several workers sharing the store.
import { readFileSync } from "node:fs";
import { test } from "node:test";
import assert from "node:assert/strict";
import { ProxyWasmHost, SharedStore } from "../../scripts/host/index.ts";

const wasm = new URL("../../build/rate-limit.wasm", import.meta.url).pathname;
/** A minute boundary, so 60-second windows start with the test. */
const clockStart = Date.UTC(2024, 0, 1, 12, 0, 0);

function start(pluginConfiguration: string, shared?: SharedStore) {
  return ProxyWasmHost.start({ wasm, rootId: "rate_limit", pluginConfiguration, clockStart, shared });
}

function send(host: ProxyWasmHost) {
  const stream = host.http().request();
  const reply = stream.localResponse;
  stream.response().complete();
  return reply;
}

test("lets requests_per_window through, then answers 429 with retry-after until the window ends", async () => {
  const host = await start('{"requests_per_window": 3, "window_seconds": 60}');
  assert.ok(host.configured);
  for (let i = 0; i < 3; i++) assert.equal(send(host), null, `request ${i + 1} passes`);

  const limited = send(host);
  assert.equal(limited?.statusCode, 429);
  assert.equal(limited?.details, "rate_limited");
  assert.equal(limited?.body.toString(), "rate limited\n");
  assert.deepEqual(limited?.headers, [["retry-after", "60"]]);

  host.advanceClock(45_000);
  assert.deepEqual(send(host)?.headers, [["retry-after", "15"]]);

  host.advanceClock(15_000);
  assert.equal(send(host), null, "a new window starts at 60 s");
  const entry = host.sharedData("rate_limit.window");
  assert.ok(entry);
  assert.equal(entry.value.readBigUInt64LE(0), BigInt(clockStart / 1000 / 60 + 1), "window number");
  assert.equal(entry.value.readUInt32LE(8), 1, "requests counted in it");
});

test("a limited request never reaches the upstream", async () => {
  const host = await start('{"requests_per_window": 1}');
  const passed = host.http().request();
  assert.equal(passed.requestForwarded, true);
  const limited = host.http().request();
  assert.equal(limited.localResponse?.statusCode, 429);
  assert.equal(limited.requestForwarded, false);
  assert.equal(limited.finalResponseHeaders?.get(":status"), "429");
});

test("workers sharing the store share one limit, and every update bumps the CAS", async () => {
  const shared = new SharedStore();
  const first = await start('{"requests_per_window": 4, "window_seconds": 10}', shared);
  const second = await start('{"requests_per_window": 4, "window_seconds": 10}', shared);
  const results = [first, second, first, second, first, second].map((host) => send(host)?.statusCode ?? 200);
  assert.deepEqual(results, [200, 200, 200, 200, 429, 429]);
  const entry = first.sharedData("rate_limit.window");
  assert.equal(entry?.value.readUInt32LE(8), 4);
  assert.equal(entry?.cas, 4, "four writes, each with a fresh CAS; the refused requests wrote nothing");
  assert.deepEqual(second.sharedData("rate_limit.window"), entry);
});

test("an entry another writer left in an old window is replaced", async () => {
  const host = await start('{"requests_per_window": 2, "window_seconds": 60}');
  const stale = Buffer.alloc(12);
  stale.writeBigUInt64LE(BigInt(clockStart / 1000 / 60 - 1), 0);
  stale.writeUInt32LE(2, 8);
  host.setSharedData("rate_limit.window", stale);
  assert.equal(send(host), null);
  assert.equal(host.sharedData("rate_limit.window")?.value.readUInt32LE(8), 1);
});

test("defaults to 100 per 60 s; rejects limits that are not positive integers", async () => {
  const host = await start("");
  assert.ok(host.configured);
  for (let i = 0; i < 100; i++) assert.equal(send(host), null);
  assert.deepEqual(send(host)?.headers, [["retry-after", "60"]]);

  for (const bad of ['{"requests_per_window": 0}', '{"window_seconds": -5}', '{"requests_per_window": "ten"}', "{"]) {
    const rejected = await start(bad);
    assert.equal(rejected.failState, "ConfigureFailed", bad);
    assert.match(rejected.logs("critical").join("\n"), /^rate_limit: configuration /, bad);
  }
});

test("imports only the ABI 0.2.1 functions it uses", () => {
  const imports = WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(wasm)));
  assert.deepEqual(imports.map((i) => `${i.module}.${i.name}`).sort(), [
    "env.proxy_get_buffer_bytes",
    "env.proxy_get_current_time_nanoseconds",
    "env.proxy_get_log_level",
    "env.proxy_get_property",
    "env.proxy_get_shared_data",
    "env.proxy_log",
    "env.proxy_send_local_response",
    "env.proxy_set_shared_data",
  ]);
});
