// The public API beyond the conformance checks: the README example, events for a live proxy,
// the system clock, the call trace format.

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { ProxyWasmHost } from "../../scripts/host/index.ts";
import { pairsData, recorder, startProbe } from "../../testkit/probe.ts";

describe("README", () => {
  test("the example test in scripts/host/README.md passes as written", async () => {
    const readme = readFileSync(new URL("../../scripts/host/README.md", import.meta.url), "utf8");
    assert.ok(readme.includes('wasm: "build/add-header.wasm"'), "README example still loads add-header");
    assert.ok(existsSync("build/add-header.wasm"), "run `npm run asbuild` first");
    const host = await ProxyWasmHost.start({
      wasm: "build/add-header.wasm",
      rootId: "add_header",
      pluginConfiguration: '{"name":"x-demo","value":"yes"}',
    });
    assert.equal(host.failState, "Ok", host.failMessage);
    const stream = host
      .http()
      .request({ headers: { ":path": "/", "user-agent": "curl/8" } })
      .response({ headers: { ":status": "200" }, body: "hello" })
      .complete();
    assert.equal(stream.responseHeader("x-demo"), "yes");
    assert.equal(stream.responseBody.toString(), "hello");
    assert.deepEqual(host.logs("critical"), []);
  });
});

describe("events for a live proxy", () => {
  const headers = pairsData([
    [":method", "GET"],
    [":path", "/auth"],
    [":authority", "auth"],
  ]);
  const spec = {
    imports: ["proxy_http_call", "proxy_continue_stream", "proxy_set_effective_context", "proxy_send_local_response"],
    data: [
      [256, headers.text],
      [400, "auth"],
    ] as Array<[number, string]>,
    body: `(func (export "proxy_on_context_create") (param i32 i32))
      (func (export "proxy_on_request_headers") (param $c i32) (param i32 i32) (result i32)
        (i32.store (i32.const 32) (local.get $c))
        (drop (call $proxy_http_call (i32.const 400) (i32.const 4) (i32.const 256) (i32.const ${headers.size})
          (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 64)))
        (i32.const 1))
      (func (export "proxy_on_http_call_response") (param i32) (param i32) (param $h i32) (param i32) (param i32)
        (drop (call $proxy_set_effective_context (i32.load (i32.const 32))))
        (if (i32.eq (local.get $h) (i32.const 0))
          (then (drop (call $proxy_send_local_response (i32.const 403) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
            (i32.const 0) (i32.const 0) (i32.const -1))))
          (else (drop (call $proxy_continue_stream (i32.const 0))))))`,
  };

  test("a callout is announced, and the resumed request is emitted when it goes upstream", async () => {
    const host = await startProbe(spec);
    const events: string[] = [];
    host.on("httpCall", (call) => events.push(`call ${call.token} ${call.cluster}`));
    const stream = host.http();
    stream.on("requestHeaders", (pairs, eos) => events.push(`upstream headers ${pairs.length} eos=${eos}`));
    stream.on("requestBody", (chunk, eos) => events.push(`upstream body ${chunk} eos=${eos}`));
    stream.request({ body: "data" });
    assert.deepEqual(events, ["call 4 auth"]);
    for (const call of host.pendingHttpCalls()) host.resolveHttpCall(call.token, { status: 200 });
    assert.deepEqual(events, ["call 4 auth", "upstream headers 4 eos=false", "upstream body data eos=true"]);
  });

  test("a local reply is announced and goes downstream", async () => {
    const host = await startProbe(spec);
    const events: string[] = [];
    const stream = host.http();
    stream.on("localResponse", (r) => events.push(`local ${r.statusCode}`));
    stream.on("responseHeaders", (pairs) => events.push(`downstream ${pairs[0][1]}`));
    stream.on("complete", () => events.push("complete"));
    stream.request({});
    host.failHttpCall(4);
    assert.deepEqual(events, ["local 403", "downstream 403", "complete"]);
  });
});

describe("clock: system", () => {
  test("ticks fire from real timers", async () => {
    const host = await startProbe(
      {
        imports: ["proxy_set_tick_period_milliseconds"],
        body: `(func (export "proxy_on_vm_start") (param i32 i32) (result i32)
            (drop (call $proxy_set_tick_period_milliseconds (i32.const 5))) (i32.const 1))
          (func (export "proxy_on_tick") (param i32) (call $st (i32.const 1)))`,
      },
      { clock: "system" },
    );
    const deadline = Date.now() + 5000;
    while (host.logs("info", "worker").length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.ok(host.logs("info", "worker").length >= 2, "at least two ticks within 5 s");
    assert.throws(() => host.advanceClock(10), /system clock cannot be moved/);
    host.shutdown();
  });
});

describe("trace", () => {
  test("uses cpp-host's format for both directions, with unsigned values", async () => {
    const rec = recorder();
    const host = await startProbe(
      {
        body: `(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
          (call $st (i32.const 3)) (i32.const -1))`,
      },
      { trace: rec.sink },
    );
    rec.lines.length = 0;
    host.http().callOnRequestHeaders({}, true);
    assert.deepEqual(rec.lines, [
      "[host->vm] proxy_on_request_headers(2, 4, 1)",
      "[vm->host] env.proxy_log(2, 7, 1)",
      "[vm<-host] env.proxy_log return: 0",
      "[host<-vm] proxy_on_request_headers return: 4294967295",
    ]);
  });
});

describe("bounded retention for a long-running host", () => {
  // Logs the request body size from on_request_body; passes everything on.
  const spec = {
    body: `(func (export "proxy_on_request_body") (param i32) (param $n i32) (param i32) (result i32)
        (call $st (local.get $n)) (i32.const 0))`,
  };
  const send = (host: ProxyWasmHost, n: number) => {
    for (let i = 1; i <= n; i++) host.http().request({ body: "x".repeat(i) }).complete();
  };

  test("retainLogs: all by default, none with false (the log event still fires), the most recent N with a count", async () => {
    const all = await startProbe(spec);
    send(all, 300);
    assert.equal(all.logs("info", "worker").length, 300);

    const none = await startProbe(spec, { retainLogs: false });
    const seen: string[] = [];
    none.on("log", (e) => seen.push(e.message));
    send(none, 300);
    assert.deepEqual(none.logs(), []);
    assert.deepEqual(none.logEntries(), []);
    assert.equal(seen.length, 300);

    const last = await startProbe(spec, { retainLogs: 3 });
    send(last, 300);
    assert.deepEqual(last.logs("info", "worker"), ["298", "299", "300"]);
    assert.deepEqual(
      last.logEntries().map((e) => e.contextId),
      [299, 300, 301],
    );
    last.clearLogs();
    send(last, 1);
    assert.deepEqual(last.logs(), ["1"]);
    await assert.rejects(startProbe(spec, { retainLogs: -1 }), /retainLogs/);
  });

  test("retainBodies: false on the host or per stream keeps no copies; events and byte counts still see the bytes", async () => {
    const host = await startProbe(spec, { retainBodies: false });
    const chunks: string[] = [];
    const s = host.http();
    s.on("requestBody", (c: Buffer) => chunks.push(c.toString()));
    s.request({ body: ["ab", "cd"] }).response({ body: "xyz" });
    assert.deepEqual(chunks, ["ab", "cd"]);
    assert.equal(s.requestBody.length, 0);
    assert.equal(s.responseBody.length, 0);
    assert.deepEqual([s.requestBodyBytes, s.responseBodyBytes], [4, 3]);
    assert.equal(host.http({ retainBodies: true }).request({ body: "kept" }).requestBody.toString(), "kept");

    const keeping = await startProbe(spec);
    assert.equal(keeping.http().request({ body: "kept" }).requestBody.toString(), "kept");
    assert.equal(keeping.http({ retainBodies: false }).request({ body: "gone" }).requestBody.length, 0);
  });

  test("retainBodies: false also keeps no copies of TCP data; the byte counts still grow", async () => {
    const host = await startProbe({ body: "" }, { retainBodies: false });
    const tcp = host.tcp();
    const seen: string[] = [];
    tcp.on("upstreamData", (c: Buffer) => seen.push(c.toString()));
    tcp.downstreamData("ping");
    tcp.upstreamData("pong");
    assert.deepEqual(seen, ["ping"]);
    assert.equal(tcp.upstreamBytes.length, 0);
    assert.equal(tcp.downstreamBytes.length, 0);
    assert.deepEqual([tcp.upstreamByteCount, tcp.downstreamByteCount], [4, 4]);
    const keeping = (await startProbe({ body: "" })).tcp();
    keeping.downstreamData("ping");
    assert.equal(keeping.upstreamBytes.toString(), "ping");
  });

  test("retainHistogramSamples keeps the most recent N values; the count still has them all", async () => {
    const host = await startProbe(
      {
        imports: ["proxy_define_metric", "proxy_record_metric"],
        data: [[256, "h"]],
        body: `(func (export "proxy_on_vm_start") (param i32 i32) (result i32)
            (drop (call $proxy_define_metric (i32.const 2) (i32.const 256) (i32.const 1) (i32.const 64))) (i32.const 1))
          (func (export "proxy_on_request_body") (param i32) (param $n i32) (param i32) (result i32)
            (drop (call $proxy_record_metric (i32.load (i32.const 64)) (i64.extend_i32_u (local.get $n)))) (i32.const 0))`,
      },
      { retainHistogramSamples: 2 },
    );
    send(host, 500);
    assert.deepEqual(host.histogram("h"), [499, 500]);
    assert.equal(host.metric("h"), 500);
    assert.deepEqual(host.metrics().find((m) => m.name === "h")?.samples, [499n, 500n]);
    await assert.rejects(startProbe(spec, { retainHistogramSamples: -2 }), /retainHistogramSamples/);
  });

  test("retainHostMessages keeps the most recent N host messages", async () => {
    const wasi = {
      wasi: ["proc_exit"],
      body: `(func (export "proxy_on_request_body") (param i32 i32 i32) (result i32) (call $wasi_proc_exit (i32.const 0)) (i32.const 0))`,
    };
    const host = await startProbe(wasi, { retainHostMessages: 2 });
    send(host, 200);
    assert.deepEqual(host.hostMessages(), ["wasi_unstable proc_exit", "wasi_unstable proc_exit"]);
    const none = await startProbe(wasi, { retainHostMessages: false });
    send(none, 5);
    assert.deepEqual(none.hostMessages(), []);
    const all = await startProbe(wasi);
    send(all, 5);
    assert.equal(all.hostMessages().length, 5);
  });
});
