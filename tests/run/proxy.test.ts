// `run`'s proxy in-process, in front of a real node:http upstream on 127.0.0.1: the examples' effects seen by
// a client, bodies and trailers both ways, local replies that never reach the upstream, traps with
// fail-closed and fail-open, callouts to a --cluster URL, and upstream failures.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { connect } from "node:net";
import {
  buildCalloutFilter,
  buildProbeFilter,
  exampleWasm,
  proxyFor,
  scratch,
  send,
  startUpstream,
  type Scratch,
  type Upstream,
} from "./helpers.ts";

describe("run: the examples through the proxy", { timeout: 30_000 }, () => {
  let upstream: Upstream;
  before(async () => (upstream = await startUpstream()));
  after(() => upstream.close());

  test("add-header: the client sees hello: world; request and body reach the upstream unchanged", async () => {
    const proxy = await proxyFor(upstream, { wasm: exampleWasm("add-header"), rootId: "add_header" });
    try {
      const reply = await send(proxy.url, { method: "POST", path: "/items?x=1", body: "payload", headers: { "user-agent": "curl/8.0" } });
      assert.equal(reply.status, 200);
      assert.equal(reply.headers["hello"], "world");
      assert.equal(reply.headers["x-upstream"], "yes");
      assert.equal(reply.body, "POST /items?x=1 payload");
      const seen = upstream.seen.at(-1)!;
      assert.equal(seen.headers["hello"], undefined, "the request is left alone");
      assert.equal(seen.headers["host"], new URL(proxy.url).host, "the client's Host is kept, as Envoy does");
      assert.equal(seen.headers["x-forwarded-proto"], "http");
      assert.match(String(seen.headers["x-request-id"]), /^[0-9a-f-]{36}$/);
    } finally {
      await proxy.close();
    }
  });

  test("add-header with a configuration: --config '{\"name\":\"x-demo\",\"value\":\"yes\"}'", async () => {
    const proxy = await proxyFor(upstream, {
      wasm: exampleWasm("add-header"),
      rootId: "add_header",
      pluginConfiguration: '{"name":"x-demo","value":"yes"}',
    });
    try {
      const reply = await send(proxy.url);
      assert.equal(reply.headers["x-demo"], "yes");
      assert.equal(reply.headers["hello"], undefined);
    } finally {
      await proxy.close();
    }
  });

  test("a configuration the filter rejects stops the proxy from starting, with the filter's reason", async () => {
    await assert.rejects(
      proxyFor(upstream, { wasm: exampleWasm("add-header"), rootId: "add_header", pluginConfiguration: "{not json" }),
      /the filter did not start \(ConfigureFailed\)/,
    );
  });

  test("messages without a body: HEAD keeps the upstream's Content-Length, 204 stays empty", async () => {
    const noContent = await startUpstream((_req, _body, res) => {
      res.writeHead(204, { "x-upstream": "yes" });
      res.end();
    });
    const proxy = await proxyFor(upstream, { wasm: exampleWasm("add-header"), rootId: "add_header" });
    const proxy204 = await proxyFor(noContent, { wasm: exampleWasm("add-header"), rootId: "add_header" });
    try {
      const head = await send(proxy.url, { method: "HEAD", path: "/h" });
      assert.deepEqual([head.status, head.headers["hello"], head.headers["content-length"], head.body], [200, "world", String("HEAD /h ".length), ""]);
      const empty = await send(proxy204.url, { method: "DELETE", path: "/d" });
      assert.deepEqual([empty.status, empty.headers["hello"], empty.headers["content-length"], empty.body], [204, "world", undefined, ""]);
    } finally {
      await proxy.close();
      await proxy204.close();
      await noContent.close();
    }
  });

  test("user-agent-logger: the filter's log line names the client's user agent", async () => {
    const proxy = await proxyFor(upstream, { wasm: exampleWasm("user-agent-logger"), rootId: "user_agent_logger" });
    try {
      await send(proxy.url, { headers: { "user-agent": "curl/8.0" } });
      await send(proxy.url, { headers: { "user-agent": "run-test/1.2 (node)" } });
      assert.deepEqual(
        proxy.lines.filter((l) => l.startsWith("[info]")),
        ["[info] User-Agent: curl/8.0", "[info] User-Agent: run-test/1.2 (node)"],
      );
    } finally {
      await proxy.close();
    }
  });
});

describe("run: streams, local replies and failures (AssemblyScript probe filter)", { timeout: 120_000 }, () => {
  let upstream: Upstream;
  let dir: Scratch;
  let wasm: string;
  before(async () => {
    upstream = await startUpstream();
    dir = scratch("run-probe");
    wasm = await buildProbeFilter(dir.dir);
  });
  after(async () => {
    await upstream.close();
    dir.remove();
  });

  test("request headers the filter adds reach the upstream; its response header reaches the client", async () => {
    const proxy = await proxyFor(upstream, { wasm, rootId: "run_probe" });
    try {
      const reply = await send(proxy.url, { path: "/plain" });
      assert.equal(reply.status, 200);
      assert.equal(reply.headers["x-probe"], "alive");
      assert.equal(upstream.seen.at(-1)!.headers["x-probe-saw"], "GET");
    } finally {
      await proxy.close();
    }
  });

  test("a response reset after its headers passed the filter, before any body: the client gets the headers, then the body is cut", async () => {
    const cutting = await startUpstream((_req, _body, res) => {
      res.writeHead(200, { "content-type": "text/plain", "content-length": "100" });
      res.flushHeaders();
      setTimeout(() => res.socket?.destroy(), 100);
    });
    const proxy = await proxyFor(cutting, { wasm, rootId: "run_probe" });
    try {
      const received = await new Promise<string>((resolve, reject) => {
        const socket = connect(proxy.address.port, "127.0.0.1");
        let text = "";
        socket.setTimeout(10_000, () => socket.destroy(new Error(`no end within 10 s: ${JSON.stringify(text)}`)));
        socket.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
        socket.on("close", () => resolve(text));
        socket.on("error", reject);
        socket.write("GET /cut HTTP/1.1\r\nhost: example\r\n\r\n");
      });
      const headEnd = received.indexOf("\r\n\r\n");
      assert.ok(headEnd > 0, `a complete head: ${JSON.stringify(received)}`);
      const head = received.slice(0, headEnd).split("\r\n");
      assert.equal(head[0], "HTTP/1.1 200 OK");
      assert.ok(head.includes("x-probe: alive"), `the filter's header: ${head.join(" | ")}`);
      assert.ok(head.includes("Transfer-Encoding: chunked"), `streamed, its length unknown: ${head.join(" | ")}`);
      assert.equal(received.slice(headEnd + 4), "", "no body, and no last chunk: the body was cut");
      assert.match(proxy.access.at(-1)!, /"GET \/cut HTTP\/1\.1" 200 /);
    } finally {
      await proxy.close();
      await cutting.close();
    }
  });

  test("bodies: the filter rewrites a streamed request body and extends the response; framing follows", async () => {
    const proxy = await proxyFor(upstream, { wasm, rootId: "run_probe" });
    try {
      const reply = await send(proxy.url, { method: "PUT", path: "/upper", body: ["abc ", "def ", "ghi"] });
      assert.equal(upstream.seen.at(-1)!.body, "ABC DEF GHI");
      assert.equal(reply.body, "PUT /upper ABC DEF GHI [filtered]");
      assert.equal(reply.headers["content-length"], String(Buffer.byteLength(reply.body)), "length recomputed");
    } finally {
      await proxy.close();
    }
  });

  test("trailers: request trailers reach the filter and the upstream; response trailers reach the client", async () => {
    const proxy = await proxyFor(upstream, { wasm, rootId: "run_probe" });
    try {
      await send(proxy.url, { method: "POST", path: "/with-trailers", body: ["one", "two"], trailers: { "x-sum": "42" } });
      assert.equal(upstream.seen.at(-1)!.body, "onetwo");
      assert.equal(upstream.seen.at(-1)!.trailers["x-sum"], "42");
      assert.ok(proxy.lines.includes("[info] request trailer x-sum: 42"), proxy.lines.join("\n"));
      const reply = await send(proxy.url, { path: "/trailers" });
      assert.equal(reply.body, "part one, part two");
      assert.equal(reply.trailers["x-checksum"], "abc123");
      assert.equal(reply.headers["x-probe"], "alive");
    } finally {
      await proxy.close();
    }
  });

  test("a local reply goes to the client and the upstream is never contacted", async () => {
    const proxy = await proxyFor(upstream, { wasm, rootId: "run_probe" });
    try {
      const before = upstream.seen.length;
      const reply = await send(proxy.url, { method: "POST", path: "/deny/me", body: "ignored" });
      assert.equal(reply.status, 403);
      assert.equal(reply.body, "denied by the filter\n");
      assert.equal(reply.headers["x-denied-by"], "run-probe");
      assert.equal(reply.headers["x-probe"], "alive", "the local reply ran through on_response_headers, as in Envoy");
      const after = await send(proxy.url, { path: "/next" });
      assert.equal(after.status, 200, "the proxy keeps serving");
      assert.equal(upstream.seen.length, before + 1, "only /next reached the upstream");
      assert.equal(upstream.seen.at(-1)!.url, "/next");
    } finally {
      await proxy.close();
    }
  });

  test("fail-closed (default): a trap answers 503, and so does every request after it", async () => {
    const proxy = await proxyFor(upstream, { wasm, rootId: "run_probe" });
    try {
      const before = upstream.seen.length;
      assert.equal((await send(proxy.url, { path: "/ok" })).status, 200);
      const trapped = await send(proxy.url, { path: "/trap" });
      assert.equal(trapped.status, 503);
      const next = await send(proxy.url, { path: "/ok-again" });
      assert.equal(next.status, 503, "the VM stays failed, like Envoy's");
      assert.equal(upstream.seen.length, before + 1, "nothing after the trap reached the upstream");
      assert.ok(proxy.lines.some((l) => /^\[proxy\] the filter failed \(RuntimeError\): .*proxy_on_request_headers.*503/s.test(l)), proxy.lines.join("\n"));
      assert.equal(proxy.vm.failState, "RuntimeError");
    } finally {
      await proxy.close();
    }
  });

  test("--fail-open: the trapping request and the ones after it pass through without the filter", async () => {
    const proxy = await proxyFor(upstream, { wasm, rootId: "run_probe", failOpen: true });
    try {
      const trapped = await send(proxy.url, { path: "/trap" });
      assert.equal(trapped.status, 200);
      assert.equal(trapped.body, "GET /trap ");
      assert.equal(trapped.headers["x-probe"], undefined, "the filter no longer runs");
      const next = await send(proxy.url, { method: "POST", path: "/upper", body: "still lower" });
      assert.equal(next.body, "POST /upper still lower");
      assert.ok(proxy.lines.some((l) => l.includes("bypass the filter (--fail-open)")));
    } finally {
      await proxy.close();
    }
  });

  test("an unreachable upstream: Envoy's 503 'upstream connect error', through the filter", async () => {
    const gone = await startUpstream();
    await gone.close();
    const proxy = await proxyFor(gone, { wasm, rootId: "run_probe" });
    try {
      const reply = await send(proxy.url, { path: "/x" });
      assert.equal(reply.status, 503);
      assert.match(reply.body, /^upstream connect error or disconnect\/reset before headers\. reset reason: connection failure/);
      assert.equal(reply.headers["x-probe"], "alive");
    } finally {
      await proxy.close();
    }
  });
});

describe("run: callouts to --cluster URLs (WAT http-auth filter)", { timeout: 30_000 }, () => {
  let upstream: Upstream;
  let auth: Upstream;
  let verdict = 200;
  let wasm: Uint8Array;
  before(async () => {
    upstream = await startUpstream();
    auth = await startUpstream((_req, _body, res) => {
      res.writeHead(verdict, { "content-type": "text/plain" });
      res.end(verdict === 200 ? "ok" : "no");
    });
    wasm = await buildCalloutFilter();
  });
  after(async () => {
    await upstream.close();
    await auth.close();
  });

  test("the callout goes to the mapped URL; 200 lets the paused request through, 403 denies it", async () => {
    const proxy = await proxyFor(upstream, { wasm, rootId: "callout_probe", clusters: new Map([["auth", new URL(auth.url)]]) });
    try {
      verdict = 200;
      const allowed = await send(proxy.url, { path: "/allowed" });
      assert.equal(allowed.status, 200);
      assert.equal(allowed.body, "GET /allowed ");
      assert.equal(auth.seen.at(-1)!.url, "/check");
      assert.equal(auth.seen.at(-1)!.headers["host"], "auth.local", "the callout's :authority is the Host");

      verdict = 403;
      const before = upstream.seen.length;
      const denied = await send(proxy.url, { path: "/denied" });
      assert.equal(denied.status, 403);
      assert.equal(denied.body, "callout denied");
      assert.equal(upstream.seen.length, before, "a denied request never reaches the upstream");
    } finally {
      await proxy.close();
    }
  });

  test("many paused requests at once each get their own callout answer", async () => {
    const proxy = await proxyFor(upstream, { wasm, rootId: "callout_probe", clusters: new Map([["auth", new URL(auth.url)]]) });
    try {
      verdict = 200;
      const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => send(proxy.url, { path: `/p${i}` })));
      assert.deepEqual(
        replies.map((r) => r.body),
        replies.map((_, i) => `GET /p${i} `),
      );
    } finally {
      await proxy.close();
    }
  });

  test("an unmapped cluster: proxy_http_call is refused (BadArgument) and the filter answers 500", async () => {
    const proxy = await proxyFor(upstream, { wasm, rootId: "callout_probe" });
    try {
      const reply = await send(proxy.url, { path: "/x" });
      assert.equal(reply.status, 500);
      assert.equal(reply.body, "no callout");
    } finally {
      await proxy.close();
    }
  });

  test("a cluster that refuses connections: the callout fails (reset) and the filter denies", async () => {
    const closed = await startUpstream();
    await closed.close();
    const proxy = await proxyFor(upstream, { wasm, rootId: "callout_probe", clusters: new Map([["auth", new URL(closed.url)]]) });
    try {
      const reply = await send(proxy.url, { path: "/x" });
      assert.equal(reply.status, 403);
      assert.ok(proxy.lines.some((l) => l.startsWith("[callout] auth: GET /check: ECONNREFUSED")), proxy.lines.join("\n"));
    } finally {
      await proxy.close();
    }
  });
});

describe("run: the http-auth example, its cluster mapped to a local authorization service", { timeout: 30_000 }, () => {
  let upstream: Upstream;
  let auth: Upstream;
  let hang = false;
  before(async () => {
    upstream = await startUpstream();
    auth = await startUpstream((req, _body, res) => {
      if (hang) return; // never answers: the callout's timeout decides
      if (req.headers["authorization"] === "Bearer good") {
        res.writeHead(200, { "x-auth-user": "alice" });
        res.end();
      } else {
        res.writeHead(401);
        res.end();
      }
    });
  });
  after(async () => {
    await upstream.close();
    await auth.close();
  });

  const clusters = () => new Map([["auth", new URL(auth.url)]]);

  test("allowed: the service's user header reaches the upstream; denied: 403 and the upstream never sees it", async () => {
    const proxy = await proxyFor(upstream, { wasm: exampleWasm("http-auth"), rootId: "http_auth", clusters: clusters() });
    try {
      hang = false;
      const allowed = await send(proxy.url, { path: "/orders?id=7", headers: { authorization: "Bearer good", "x-auth-user": "mallory" } });
      assert.equal(allowed.status, 200);
      assert.equal(upstream.seen.at(-1)!.headers["x-auth-user"], "alice", "the service names the user, not the client");
      const check = auth.seen.at(-1)!;
      assert.deepEqual([check.method, check.url, check.headers["host"], check.headers["x-original-uri"]], ["GET", "/auth", "auth", "/orders?id=7"]);

      const before = upstream.seen.length;
      const denied = await send(proxy.url, { path: "/orders", headers: { authorization: "Bearer bad" } });
      assert.deepEqual([denied.status, denied.body], [403, "access denied\n"]);
      assert.equal(upstream.seen.length, before);
    } finally {
      await proxy.close();
    }
  });

  test("the service does not answer within timeout_ms: Envoy's 504 for the callout, status_on_error for the client", async () => {
    const proxy = await proxyFor(upstream, {
      wasm: exampleWasm("http-auth"),
      rootId: "http_auth",
      clusters: clusters(),
      pluginConfiguration: '{"timeout_ms": 200, "status_on_error": 503}',
    });
    try {
      hang = true;
      const started = Date.now();
      const reply = await send(proxy.url, { path: "/slow", headers: { authorization: "Bearer good" } });
      assert.deepEqual([reply.status, reply.body], [503, "authorization unavailable\n"]);
      assert.ok(Date.now() - started >= 190, "waited for the timeout");
      assert.ok(
        proxy.lines.includes("[callout] auth: GET /auth: no answer within 200 ms: the plugin got Envoy's 504"),
        `the request to the cluster is abandoned at the timeout:\n${proxy.lines.join("\n")}`,
      );
    } finally {
      hang = false;
      await proxy.close();
    }
  });
});
