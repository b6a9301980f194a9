// Big bodies through `run`: buffering is linear (a 64 MB body through body-rewrite; 32 MB vs 8 MB), and
// Envoy's buffer limit answers 413 for a request, 500 for a response (or resets one already under way).
import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, test } from "node:test";
import { wat } from "../../testkit/wat.ts";
import { MiB, rewrittenSize, startColourUpstream, type ColourUpstream } from "../../testkit/colour-upstream.ts";
import { buildProbeFilter, exampleWasm, proxyFor, scratch, send, startUpstream, type Scratch } from "./helpers.ts";

/** GET through the proxy: milliseconds to the end of the response, its size and a sample of it. */
function fetchBig(base: string, mib: number): Promise<{ ms: number; status: number; bytes: number; head: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    request(`${base}/?mib=${mib}`, (res) => {
      let bytes = 0;
      let head = "";
      res.on("data", (c: Buffer) => {
        if (head.length < 32) head += c.toString("latin1", 0, 32);
        bytes += c.length;
      });
      res.on("end", () => resolve({ ms: performance.now() - started, status: res.statusCode ?? 0, bytes, head }));
      res.on("error", reject);
    })
      .on("error", reject)
      .end();
  });
}

const REWRITE = { wasm: exampleWasm("body-rewrite"), rootId: "body_rewrite", pluginConfiguration: '{"replacements":[{"from":"colour","to":"color"}]}' };

describe("run: big bodies", { timeout: 180_000 }, () => {
  let upstream: ColourUpstream;
  let dir: Scratch;
  let probe: string;
  before(async () => {
    upstream = await startColourUpstream();
    dir = scratch("run-bodies");
    probe = await buildProbeFilter(dir.dir);
  });
  after(async () => {
    await upstream.close();
    dir.remove();
  });

  test("body-rewrite buffers a 64 MB response and rewrites it; 32 MB costs well under 8× 8 MB", async () => {
    // Rewriting 64 MB is one long callback (about a second, more on a busy machine): a generous deadline.
    const proxy = await proxyFor(upstream, { ...REWRITE, bufferLimit: 128 * MiB, callbackTimeoutMs: 60_000 });
    try {
      const big = await fetchBig(proxy.url, 64);
      assert.equal(big.status, 200, proxy.lines.join("\n"));
      assert.equal(big.bytes, rewrittenSize(64 * MiB), "every 'colour ' became 'color '");
      assert.ok(big.head.startsWith("color color color"), big.head);
      let small = Infinity;
      let large = Infinity;
      for (let round = 0; round < 3; round++) {
        small = Math.min(small, (await fetchBig(proxy.url, 8)).ms);
        large = Math.min(large, (await fetchBig(proxy.url, 32)).ms);
      }
      // A copy of the whole buffer per chunk made this about 16 (and 64 MB took 18.7 s).
      assert.ok(large / small < 8, `32 MB took ${(large / small).toFixed(1)}× the time of 8 MB (${small.toFixed(0)} ms vs ${large.toFixed(0)} ms)`);
      console.log(`# 64 MB in ${big.ms.toFixed(0)} ms; 8 MB ${small.toFixed(0)} ms, 32 MB ${large.toFixed(0)} ms`);
    } finally {
      await proxy.close();
    }
  });

  test("a request body buffered past the limit: 413 Payload Too Large, the upstream never sees it", async () => {
    const echo = await startUpstream();
    const proxy = await proxyFor(echo, { wasm: probe, rootId: "run_probe", bufferLimit: 64 * 1024 });
    try {
      const reply = await send(proxy.url, { method: "PUT", path: "/upper", body: ["a".repeat(40_000), "b".repeat(40_000), "c"] });
      // Envoy's local reply runs through the filter's response callbacks: the probe appends " [filtered]".
      assert.deepEqual([reply.status, reply.body, reply.headers["connection"]], [413, "Payload Too Large [filtered]", "close"]);
      assert.equal(echo.seen.length, 0);
      assert.match(proxy.access.at(-1)!, /"PUT \/upper HTTP\/1\.1" 413 - request_payload_too_large 80001 28 /);
      const fine = await send(proxy.url, { method: "PUT", path: "/upper", body: "small" });
      assert.equal(fine.body, "PUT /upper SMALL [filtered]", "under the limit it is buffered and rewritten");
    } finally {
      await proxy.close();
      await echo.close();
    }
  });

  test("Envoy's default limit is 1 MiB: 1.5 MiB buffered by the filter is a 413", async () => {
    const echo = await startUpstream();
    const proxy = await proxyFor(echo, { wasm: probe, rootId: "run_probe" });
    try {
      const reply = await send(proxy.url, { method: "POST", path: "/upper", body: ["x".repeat(MiB), "y".repeat(MiB / 2)] });
      assert.equal(reply.status, 413);
    } finally {
      await proxy.close();
      await echo.close();
    }
  });

  test("a response buffered past the limit: 500 before its headers went out, a reset after", async () => {
    // StopAllIterationAndBuffer (3) from on_response_headers: headers and body wait, counted against the limit.
    const holdAll = await wat(`(module
      (memory (export "memory") 1)
      (func (export "proxy_abi_version_0_2_1"))
      (func (export "malloc") (param i32) (result i32) (i32.const 1024))
      (func (export "proxy_on_context_create") (param i32 i32))
      (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32) (i32.const 3)))`);
    const held = await proxyFor(upstream, { wasm: holdAll, rootId: "x", bufferLimit: 256 * 1024 });
    try {
      const reply = await send(held.url, { path: "/?mib=1" });
      assert.deepEqual([reply.status, reply.body], [500, "Internal Server Error"]);
      assert.match(held.access.at(-1)!, /" 500 - response_payload_too_large 0 21 /);
    } finally {
      await held.close();
    }
    // body-rewrite lets the headers through first (it cannot know the new length): Envoy has sent them and
    // can only reset the body.
    const rewrite = await proxyFor(upstream, REWRITE);
    try {
      await assert.rejects(send(rewrite.url, { path: "/?mib=2" }), /^Error: aborted$/);
      assert.match(rewrite.access.at(-1)!, /response_payload_too_large/);
      assert.equal((await send(rewrite.url, { path: "/?mib=0.5" })).status, 200, "under the limit it is served");
    } finally {
      await rewrite.close();
    }
  });
});
