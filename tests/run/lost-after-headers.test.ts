// A filter lost (a trap, or a callback past --callback-timeout) while the response streams: once response
// headers came through the filter the client has them (Envoy's codec sent them), so Envoy can only reset
// the stream: the connection closes with the body cut short. Headers the filter still held (Pause) have not
// gone out: fail-closed, the client gets Envoy's 503 (wasm_fail_stream) instead. Fail-open: the failed
// callback counts as Continue and the rest of the response goes on without the filter. Real sockets: the
// raw bytes show what the client saw.
import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, test } from "node:test";
import { buildProbeFilter, proxyFor, scratch, startUpstream, type Scratch, type TestProxy, type Upstream } from "./helpers.ts";

const PARTS = ["part-one;", "part-two;", "part-three."];

interface RawExchange {
  /** Everything the proxy sent until it closed the connection. */
  text: string;
  elapsedMs: number;
}

/** GET `path` on a new connection; resolves with what came back once the proxy closes (at most 10 s). */
function rawGet(proxy: TestProxy, path: string): Promise<RawExchange> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = connect(proxy.address.port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within 10 s; got:\n${Buffer.concat(chunks).toString("latin1")}`));
    }, 10_000);
    const done = () => {
      clearTimeout(timer);
      resolve({ text: Buffer.concat(chunks).toString("latin1"), elapsedMs: Date.now() - started });
    };
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("close", done);
    socket.on("error", () => undefined); // a reset is one of the outcomes; "close" follows
    socket.write(`GET ${path} HTTP/1.1\r\nhost: app.local\r\nconnection: close\r\n\r\n`);
  });
}

/** The body of a complete chunked response (throws if the terminating chunk is missing). */
function chunkedBody(text: string): string {
  let rest = text.slice(text.indexOf("\r\n\r\n") + 4);
  let body = "";
  for (;;) {
    const eol = rest.indexOf("\r\n");
    assert.ok(eol > 0, `an unfinished chunked body:\n${text}`);
    const size = parseInt(rest.slice(0, eol), 16);
    if (size === 0) return body;
    body += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 4 + size);
  }
}

/**
 * GET /resp-held (the filter holds the response headers, its body waits behind them), then, once the whole
 * response reached the filter, GET /loop: the VM is lost at the deadline with /resp-held in flight.
 */
async function heldWhenLost(proxy: TestProxy): Promise<RawExchange> {
  const held = rawGet(proxy, "/resp-held");
  await new Promise((resolve) => setTimeout(resolve, 400));
  const looping = rawGet(proxy, "/loop");
  const [exchange] = await Promise.all([held, looping]);
  return exchange;
}

describe("run: the VM lost after the response started", { timeout: 120_000 }, () => {
  let upstream: Upstream;
  let dir: Scratch;
  let wasm: string;
  before(async () => {
    dir = scratch("run-lost-late");
    wasm = await buildProbeFilter(dir.dir);
    // The body comes in three parts, 100 ms apart (each part reaches the filter when the next one comes).
    upstream = await startUpstream((_req, _body, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write(PARTS[0]);
      setTimeout(() => res.write(PARTS[1]), 100);
      setTimeout(() => res.end(PARTS[2]), 200);
    });
  });
  after(async () => {
    await upstream.close();
    dir.remove();
  });

  test("fail-closed, a trap after the headers went through: the headers, then the connection closes", async () => {
    const proxy = await proxyFor(upstream, { wasm, rootId: "run_probe" });
    try {
      const { text, elapsedMs } = await rawGet(proxy, "/resp-trap");
      assert.match(text, /^HTTP\/1\.1 200 OK\r\n/, text);
      assert.match(text, /\r\nx-probe: alive\r\n/i, "the headers the filter let through");
      assert.ok(!text.includes("503"), text);
      assert.ok(!text.includes("part-"), `no body: the filter trapped on the first part\n${text}`);
      assert.ok(elapsedMs < 5000, `${elapsedMs} ms`);
      assert.match(proxy.access.at(-1)!, /"GET \/resp-trap HTTP\/1\.1" 200 - wasm_fail_stream /);
    } finally {
      await proxy.close();
    }
  });

  test("fail-closed, a callback past the deadline mid-body: the body is cut short, and a fresh VM serves on", async () => {
    const proxy = await proxyFor(upstream, { wasm, rootId: "run_probe", callbackTimeoutMs: 300 });
    try {
      const { text, elapsedMs } = await rawGet(proxy, "/resp-loop");
      assert.match(text, /^HTTP\/1\.1 200 OK\r\n/, text);
      assert.match(text, /\r\ntransfer-encoding: chunked\r\n/i, text);
      assert.ok(text.includes(PARTS[0]), `the first part went through:\n${text}`);
      assert.ok(!text.includes(PARTS[1]) && !text.includes(PARTS[2]), text);
      assert.ok(!text.endsWith("0\r\n\r\n"), `no terminating chunk:\n${text}`);
      assert.ok(!text.includes("503"), text);
      assert.ok(elapsedMs >= 300 && elapsedMs < 5000, `cut at the deadline (${elapsedMs} ms)`);
      assert.ok(proxy.lines.some((l) => /^\[proxy\] the filter failed: proxy_on_response_body of context \d+ did not return within 300 ms/.test(l)), proxy.lines.join("\n"));
      assert.match(proxy.access.find((l) => l.includes("/resp-loop"))!, /"GET \/resp-loop HTTP\/1\.1" 200 - wasm_fail_stream \d+ 9 /, "bytes sent: the first part");

      const next = await rawGet(proxy, "/fine");
      assert.match(next.text, /^HTTP\/1\.1 200 OK\r\n/);
      assert.equal(chunkedBody(next.text), PARTS.join(""));
    } finally {
      await proxy.close();
    }
  });

  test("fail-closed, past the deadline in the first body callback: the headers that went through, then the close", async () => {
    const proxy = await proxyFor(upstream, { wasm, rootId: "run_probe", callbackTimeoutMs: 300 });
    try {
      const { text } = await rawGet(proxy, "/resp-stall");
      assert.match(text, /^HTTP\/1\.1 200 OK\r\n/, `not a 503: the client has these headers in Envoy\n${text}`);
      assert.match(text, /\r\nx-probe: alive\r\n/i, text);
      assert.ok(!text.includes("part-"), text);
      assert.match(proxy.access.at(-1)!, /"GET \/resp-stall HTTP\/1\.1" 200 - wasm_fail_stream /);
    } finally {
      await proxy.close();
    }
  });

  test("fail-closed, response headers held by the filter when its VM is lost: Envoy's 503, straight to the client", async () => {
    const proxy = await proxyFor(upstream, { wasm, rootId: "run_probe", callbackTimeoutMs: 300 });
    try {
      const { text } = await heldWhenLost(proxy);
      assert.match(text, /^HTTP\/1\.1 503 Service Unavailable\r\n/, text);
      assert.match(text, /\r\ncontent-length: 0\r\n/i, text);
      assert.ok(!/x-probe|part-/i.test(text), `nothing the filter held went out:\n${text}`);
      assert.ok(proxy.access.some((l) => /"GET \/resp-held HTTP\/1\.1" 503 - wasm_fail_stream /.test(l)), proxy.access.join("\n"));
    } finally {
      await proxy.close();
    }
  });

  test("--fail-open: the rest of the response goes on without the filter, whole", async () => {
    // A trap (the emulator fails the stream open), a deadline in the stream's own callback, before or after
    // it let body through, and one in another stream's (the bridge sends on what the lost VM held). A trap
    // leaves the VM failed (bypassed from then on, as in Envoy): a fresh proxy for each.
    for (const path of ["/resp-trap", "/resp-stall", "/resp-loop", "/resp-held"]) {
      const proxy = await proxyFor(upstream, { wasm, rootId: "run_probe", callbackTimeoutMs: 300, failOpen: true });
      try {
        const { text } = path === "/resp-held" ? await heldWhenLost(proxy) : await rawGet(proxy, path);
        assert.match(text, /^HTTP\/1\.1 200 OK\r\n/, `${path}:\n${text}`);
        assert.equal(chunkedBody(text), PARTS.join(""), `${path}: every part, once, in order`);
        const failure = path === "/resp-trap" ? /^\[proxy\] the filter failed \(RuntimeError\)/ : /^\[proxy\] the filter failed: proxy_on_(response_body|request_headers) of context \d+ did not return/;
        assert.ok(proxy.lines.some((l) => failure.test(l)), `${path}: the filter failed\n${proxy.lines.join("\n")}`);
      } finally {
        await proxy.close();
      }
    }
  });
});
