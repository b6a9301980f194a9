// `run` under load: 1,000 requests in flight at once through one emulated VM (streams interleaved), every
// one answered with the filter's header; then the proxy stops cleanly: no stream context left in the VM,
// no socket or server handle left in this process (node:test would otherwise never see the file exit).
import assert from "node:assert/strict";
import { Agent } from "node:http";
import { describe, test } from "node:test";
import { exampleWasm, proxyFor, send, startUpstream } from "./helpers.ts";

const REQUESTS = 1000;

function openSockets(): string[] {
  return process.getActiveResourcesInfo().filter((r) => r.startsWith("TCP"));
}

describe("run: load", { timeout: 120_000 }, () => {
  test(`${REQUESTS} concurrent requests: no error, every response has hello: world, clean stop`, async () => {
    const upstream = await startUpstream();
    const proxy = await proxyFor(upstream, { wasm: exampleWasm("add-header"), rootId: "add_header" });
    // Bounded client: 1,000 requests queued at once on 200 keep-alive connections.
    const agent = new Agent({ keepAlive: true, maxSockets: 200 });
    try {
      const started = Date.now();
      const replies = await Promise.all(
        Array.from({ length: REQUESTS }, (_, i) =>
          send(proxy.url, { agent, method: i % 2 ? "POST" : "GET", path: `/r/${i}`, body: i % 2 ? `body ${i}` : undefined }),
        ),
      );
      const elapsed = Date.now() - started;
      assert.equal(replies.length, REQUESTS);
      const bad = replies.filter((r) => r.status !== 200 || r.headers["hello"] !== "world");
      assert.deepEqual(bad, [], "every response is a 200 with the filter's header");
      replies.forEach((r, i) => assert.equal(r.body, i % 2 ? `POST /r/${i} body ${i}` : `GET /r/${i} `));
      assert.equal(upstream.seen.length, REQUESTS);
      assert.equal(proxy.served, REQUESTS);
      assert.equal(proxy.inFlight, 0);
      const stats = (await proxy.vm.stats())!;
      assert.equal(stats.failState, "Ok");
      assert.deepEqual(stats.contextIds, [stats.rootContextId], "every stream context was deleted");
      assert.deepEqual(proxy.lines.filter((l) => l.startsWith("[proxy]")), [], "no proxy error");
      assert.equal(proxy.access.length, REQUESTS, "one access-log line per request");
      console.log(`# ${REQUESTS} requests in ${elapsed} ms, ${stats.memoryPages} wasm pages`);
    } finally {
      agent.destroy();
      await proxy.close();
      await upstream.close();
    }
    assert.ok(!proxy.lines.some((l) => l.includes("did not finish on_done")), "the root context was shut down");
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(openSockets(), [], "no socket or server left open");
  });

  test("a long run keeps no body copies and only the last 100 log entries (memory stays flat)", async () => {
    const upstream = await startUpstream();
    const proxy = await proxyFor(upstream, { wasm: exampleWasm("user-agent-logger"), rootId: "user_agent_logger" });
    const agent = new Agent({ keepAlive: true, maxSockets: 10 });
    try {
      const replies = await Promise.all(
        Array.from({ length: 150 }, (_, i) => send(proxy.url, { agent, method: "POST", path: `/r/${i}`, body: `body ${i}`, headers: { "user-agent": `ua/${i}` } })),
      );
      assert.ok(replies.every((r) => r.status === 200));
      assert.equal(proxy.lines.filter((l) => l.startsWith("[info] User-Agent: ua/")).length, 150, "every log line printed");
      const stats = (await proxy.vm.stats())!;
      assert.equal(stats.retainedLogs, 100, "the emulator keeps only the most recent entries");
      assert.equal(stats.openStreams, 0);
      assert.equal(stats.retainedBodyBytes, 0, "no copy of what was forwarded");
    } finally {
      agent.destroy();
      await proxy.close();
      await upstream.close();
    }
  });

  test("close() while requests are in flight lets them finish, then refuses new connections", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const upstream = await startUpstream((_req, body, res) => {
      void gate.then(() => {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end(`late ${body}`);
      });
    });
    const proxy = await proxyFor(upstream, { wasm: exampleWasm("add-header"), rootId: "add_header" });
    try {
      const pending = Array.from({ length: 10 }, () => send(proxy.url, { path: "/slow" }));
      while (upstream.seen.length < 10) await new Promise((resolve) => setTimeout(resolve, 5));
      const closing = proxy.close(5000);
      await assert.rejects(send(proxy.url), /ECONNREFUSED/, "no new connections while draining");
      release();
      const replies = await Promise.all(pending);
      assert.deepEqual(
        replies.map((r) => [r.status, r.headers["hello"], r.headers["connection"]]),
        Array.from({ length: 10 }, () => [200, "world", "close"]),
      );
      await closing;
    } finally {
      release();
      await proxy.close();
      await upstream.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(openSockets(), []);
  });

  test("the drain is bounded: requests still in flight after it are aborted", async () => {
    const upstream = await startUpstream(() => undefined); // never answers
    const proxy = await proxyFor(upstream, { wasm: exampleWasm("add-header"), rootId: "add_header" });
    const pending = assert.rejects(send(proxy.url, { path: "/never" }), /socket hang up|ECONNRESET/);
    while (upstream.seen.length < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = Date.now();
    await proxy.close(200);
    assert.ok(Date.now() - started < 2000);
    await pending;
    assert.ok(proxy.lines.some((l) => l.includes("1 request(s) still in flight after 200 ms: aborted")));
    await upstream.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(openSockets(), []);
  });
});
