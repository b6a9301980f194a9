// `run` survives its filter and its traffic: a callback that never returns (the VM runs in a worker
// thread, a watchdog stops it and a fresh VM serves the next request), a looping start, an upstream that
// never answers (Envoy's route timeout), headers over Envoy's limit (431). Real sockets, real upstream.
import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, test } from "node:test";
import { buildLoopingFilter, buildProbeFilter, proxyFor, scratch, send, startUpstream, type Scratch, type TestProxy, type Upstream } from "./helpers.ts";

const STACK_HEADER = "[proxy] in-VM stack when it was stopped:";

/**
 * The printed in-VM stack of a stopped VM: it is read after the 503 went out, while the old VM still spins,
 * and arrives within about 2 s (best effort); waited for up to 10 s, so that a loaded machine does not fail
 * the test. Asserts that it came and that its innermost frame is Probe#onRequestHeaders.
 */
async function printedStack(proxy: TestProxy): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  while (!proxy.lines.includes(STACK_HEADER) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  const stackAt = proxy.lines.indexOf(STACK_HEADER);
  assert.ok(stackAt >= 0, `no in-VM stack within 10 s:\n${proxy.lines.join("\n")}`);
  const stack = proxy.lines.slice(stackAt);
  assert.ok(
    stack.some((l) => /^\[proxy\]\s+0:\s+0x[0-9a-f]+ - .*Probe#onRequestHeaders$/.test(l)),
    proxy.lines.join("\n"),
  );
  return stack;
}

describe("run: a filter that does not return", { timeout: 120_000 }, () => {
  let upstream: Upstream;
  let dir: Scratch;
  let wasm: string;
  before(async () => {
    upstream = await startUpstream();
    dir = scratch("run-survive");
    wasm = await buildProbeFilter(dir.dir);
  });
  after(async () => {
    await upstream.close();
    dir.remove();
  });

  test("the looping request ends 503 at the deadline, its stack is printed, and a fresh VM serves the next one", async () => {
    const proxy = await proxyFor(upstream, { wasm, rootId: "run_probe", callbackTimeoutMs: 400 });
    try {
      const first = proxy.vm;
      const started = Date.now();
      // Meanwhile the proxy's own thread stays free: a request to the proxy is accepted at once.
      const stuck = send(proxy.url, { path: "/loop" });
      const reply = await stuck;
      const elapsed = Date.now() - started;
      assert.equal(reply.status, 503);
      assert.ok(elapsed >= 350 && elapsed < 3000, `answered at the deadline (${elapsed} ms)`);
      const report = proxy.lines.find((l) => l.startsWith("[proxy] the filter failed:"));
      assert.match(
        report ?? proxy.lines.join("\n"),
        /^\[proxy\] the filter failed: proxy_on_request_headers of context 2 did not return within 400 ms \(--callback-timeout\); requests in flight get 503, or are reset if their response headers went out; a fresh VM serves new requests$/,
      );
      await printedStack(proxy);

      const next = await send(proxy.url, { path: "/after" });
      assert.equal(next.status, 200);
      assert.equal(next.headers["x-probe"], "alive", "the filter runs again, in a new VM");
      assert.notEqual(proxy.vm, first);
      assert.equal(proxy.vm.failState, "Ok");
      assert.match(proxy.access.find((l) => l.includes("/loop"))!, /"GET \/loop HTTP\/1\.1" 503 - wasm_fail_stream /);
    } finally {
      await proxy.close();
    }
  });

  test("--fail-open: the looping request passes through without the filter", async () => {
    const proxy = await proxyFor(upstream, { wasm, rootId: "run_probe", callbackTimeoutMs: 300, failOpen: true });
    try {
      const reply = await send(proxy.url, { method: "POST", path: "/loop", body: "kept" });
      assert.equal(reply.status, 200);
      assert.equal(reply.body, "POST /loop kept");
      assert.equal(reply.headers["x-probe"], undefined);
      assert.equal(upstream.seen.at(-1)!.headers["x-probe-saw"], undefined, "the request went up as the client sent it");
      assert.equal((await send(proxy.url, { path: "/x" })).headers["x-probe"], "alive");
    } finally {
      await proxy.close();
    }
  });

  test("requests in flight on the stopped VM fail, other requests keep being served meanwhile", async () => {
    const slow = await startUpstream((_req, _body, res) => setTimeout(() => res.end("slow"), 300));
    const proxy = await proxyFor(slow, { wasm, rootId: "run_probe", callbackTimeoutMs: 300 });
    try {
      const inFlight = send(proxy.url, { path: "/slow" }); // in the upstream when the VM is stopped
      await new Promise((resolve) => setTimeout(resolve, 50));
      const [looping, other] = await Promise.all([send(proxy.url, { path: "/loop" }), inFlight]);
      assert.equal(looping.status, 503);
      assert.equal(other.status, 503, "its response would have run through the stopped VM");
      // Not the first proxy of this process: the stack is still read from the right thread.
      await printedStack(proxy);
    } finally {
      await proxy.close();
      await slow.close();
    }
  });

  test("a looping _initialize: the proxy does not start, and says which call did not return", async () => {
    await assert.rejects(
      proxyFor(upstream, { wasm: await buildLoopingFilter("start"), rootId: "x", callbackTimeoutMs: 300 }),
      /^CliError: the filter did not start: _initialize did not return within 300 ms \(--callback-timeout\)$/,
    );
  });
});

describe("run: traffic Envoy would refuse or time out", { timeout: 60_000 }, () => {
  let dir: Scratch;
  let wasm: string;
  before(async () => {
    dir = scratch("run-traffic");
    wasm = await buildProbeFilter(dir.dir);
  });
  after(() => dir.remove());

  test("an upstream that never answers: 504 'upstream request timeout' at the route timeout, through the filter", async () => {
    const silent = await startUpstream(() => undefined);
    const proxy = await proxyFor(silent, { wasm, rootId: "run_probe", routeTimeoutMs: 300 });
    try {
      const started = Date.now();
      const reply = await send(proxy.url, { method: "POST", path: "/slow", body: "x" });
      const elapsed = Date.now() - started;
      assert.deepEqual([reply.status, reply.body], [504, "upstream request timeout"]);
      assert.equal(reply.headers["x-probe"], "alive", "the router's reply runs through on_response_headers");
      assert.ok(elapsed >= 280 && elapsed < 3000, `${elapsed} ms`);
      assert.match(proxy.access.at(-1)!, /"POST \/slow HTTP\/1\.1" 504 UT upstream_response_timeout 1 24 /);
    } finally {
      await proxy.close();
      await silent.close();
    }
  });

  test("headers over Envoy's 60 KiB limit: 431, and the proxy keeps serving", async () => {
    const upstream = await startUpstream();
    const proxy = await proxyFor(upstream, { wasm, rootId: "run_probe" });
    try {
      const status = await new Promise<string>((resolve, reject) => {
        const socket = connect(proxy.address.port, "127.0.0.1");
        let text = "";
        socket.on("data", (c: Buffer) => (text += c.toString()));
        socket.on("end", () => resolve(text.split("\r\n")[0]!));
        socket.on("error", reject);
        socket.write(`GET / HTTP/1.1\r\nhost: x\r\nx-big: ${"a".repeat(70 * 1024)}\r\n\r\n`);
      });
      assert.equal(status, "HTTP/1.1 431 Request Header Fields Too Large");
      // Under the limit is fine (a local reply: node's upstream would refuse more than 16 KiB itself).
      assert.equal((await send(proxy.url, { path: "/deny", headers: { "x-fine": "b".repeat(40 * 1024) } })).status, 403);
    } finally {
      await proxy.close();
      await upstream.close();
    }
  });
});
