// Soak: 100,000 requests through our add-header in one VM; linear memory must stay flat
// (the same size at 10,000 and at 100,000 requests) and every response must carry the header.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { ProxyWasmHost } from "../../scripts/host/index.ts";

const wasm = new URL("../../build/add-header.wasm", import.meta.url).pathname;

test("100,000 requests through add-header: memory identical at 10,000 and 100,000", { timeout: 60_000 }, async () => {
  assert.ok(existsSync(wasm), "build/add-header.wasm is missing: run `npm run asbuild`");
  const host = await ProxyWasmHost.start({ wasm, rootId: "add_header", pluginConfiguration: '{"name":"x-soak","value":"1"}' });
  assert.equal(host.failState, "Ok", host.failMessage);
  const request = { headers: { ":path": "/soak", "user-agent": "soak" }, body: "ping" };
  const response = { headers: { ":status": "200" }, body: "pong" };
  const sizes = new Map<number, number>();
  for (let i = 1; i <= 100_000; i++) {
    const stream = host.http().request(request).response(response).complete();
    if (i % 10_000 === 0) {
      assert.equal(stream.responseHeader("x-soak"), "1", `request ${i}`);
      sizes.set(i, host.memorySnapshot().length);
    }
  }
  assert.equal(host.failState, "Ok");
  assert.equal(sizes.get(100_000), sizes.get(10_000), `memory grew: ${[...sizes].map(([n, b]) => `${n}:${b / 65536}p`).join(" ")}`);
  assert.deepEqual(host.contextIds(), [1], "no stream context left behind");
  assert.deepEqual(host.logs("error"), []);
});
