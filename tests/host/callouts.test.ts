// docs/abi.md §9 checks 22–24: HTTP callouts, gRPC calls and streams, proxy_set_effective_context.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { calls, pairsData, recorder, startProbe } from "../../testkit/probe.ts";

const GOOD = pairsData([
  [":method", "POST"],
  [":path", "/check"],
  [":authority", "authz"],
  ["X-Token", "t"],
]);
const NO_PATH = pairsData([
  [":method", "GET"],
  [":authority", "authz"],
]);
const TRAILERS = pairsData([["T", "1"]]);

/** proxy_http_call(cluster at 600 (len), headers at `at`, body "ping", trailers, timeout) → logs status, token. */
function httpCall(cluster: number, headersAt: number, headersSize: number, timeout: number, bodySize = 4, withTrailers = false): string {
  return `(call $st (call $proxy_http_call (i32.const 600) (i32.const ${cluster}) (i32.const ${headersAt}) (i32.const ${headersSize})
      (i32.const 640) (i32.const ${bodySize}) (i32.const ${withTrailers ? 700 : 0}) (i32.const ${withTrailers ? TRAILERS.size : 0})
      (i32.const ${timeout}) (i32.const 64)))
    (call $st (i32.load (i32.const 64)))`;
}

const DATA: Array<[number, string]> = [
  [256, GOOD.text],
  [400, NO_PATH.text],
  [600, "authz-clusterx"],
  [640, "ping"],
  [700, TRAILERS.text],
];

describe("check 22: proxy_http_call", () => {
  test("tokens 4, 8, 12; the call is recorded as Envoy sends it", async () => {
    const seen: number[] = [];
    const host = await startProbe(
      {
        imports: ["proxy_http_call"],
        data: DATA,
        body: `(func (export "proxy_on_vm_start") (param i32 i32) (result i32)
          ${httpCall(13, 256, GOOD.size, 500, 4, true)}
          ${httpCall(13, 256, GOOD.size, 0, 0)}
          ${httpCall(13, 256, GOOD.size, 0, 0)}
          (i32.const 1))`,
      },
      { clusters: ["authz-cluster"] },
    );
    host.on("httpCall", (c) => seen.push(c.token));
    assert.deepEqual(host.logs("info", "worker"), ["0", "4", "0", "8", "0", "12"]);
    const [first] = host.pendingHttpCalls();
    assert.equal(first?.cluster, "authz-cluster");
    assert.deepEqual(first?.headers, [
      [":method", "POST"],
      [":path", "/check"],
      [":authority", "authz"],
      ["x-token", "t"],
      ["content-length", "4"],
    ]);
    assert.equal(first?.body.toString(), "ping");
    assert.deepEqual(first?.trailers, [["t", "1"]]);
    assert.equal(first?.timeoutMs, 500);
    assert.equal(first?.rootContextId, 1);
    assert.equal(host.pendingHttpCalls().length, 3);
    assert.deepEqual(seen, [], "calls made during start were emitted before a listener existed");
  });

  test("BAD_ARGUMENT: unknown cluster, missing :path, negative (≥ 2^31) timeout", async () => {
    const host = await startProbe(
      {
        imports: ["proxy_http_call"],
        data: DATA,
        body: `(func (export "proxy_on_vm_start") (param i32 i32) (result i32)
          ${httpCall(14, 256, GOOD.size, 0)}
          ${httpCall(13, 400, NO_PATH.size, 0)}
          ${httpCall(13, 256, GOOD.size, -1)}
          (i32.const 1))`,
      },
      { clusters: ["authz-cluster"] },
    );
    assert.deepEqual(host.logs("info", "worker"), ["2", "0", "2", "0", "2", "0"]);
    assert.equal(host.pendingHttpCalls().length, 0);
  });

  const responder = `
    (func (export "proxy_on_context_create") (param i32 i32))
    (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
      ${httpCall(13, 256, GOOD.size, 1000)} (i32.const 1))
    (func (export "proxy_on_http_call_response") (param $r i32) (param $t i32) (param $h i32) (param $b i32) (param $n i32)
      (call $st (local.get $r)) (call $st (local.get $t)) (call $st (local.get $h)) (call $st (local.get $b)) (call $st (local.get $n))
      (call $st (call $proxy_get_buffer_bytes (i32.const 4) (i32.const 0) (i32.const 100) (i32.const 64) (i32.const 68)))
      (call $logout (i32.const 64))
      (call $st (call $proxy_get_status (i32.const 72) (i32.const 76) (i32.const 80)))
      (call $st (i32.load (i32.const 72)))
      (call $logout (i32.const 76)))
    (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32)
      (call $st (call $proxy_get_buffer_bytes (i32.const 4) (i32.const 0) (i32.const 100) (i32.const 64) (i32.const 68)))
      (i32.const 0))`;

  test("the response arrives on the root context id; its body is readable only inside the callback", async () => {
    const rec = recorder();
    const host = await startProbe(
      { imports: ["proxy_http_call", "proxy_get_buffer_bytes", "proxy_get_status"], data: DATA, body: responder },
      { trace: rec.sink },
    );
    host.http().request({}).response({});
    host.clearLogs();
    host.resolveHttpCall(4, { status: 200, headers: { "x-a": "1" }, body: "allowed", trailers: { t: "2" } });
    assert.ok(calls(rec.lines).includes("proxy_on_http_call_response(1, 4, 2, 7, 1)"));
    assert.deepEqual(host.logs("info", "worker"), ["1", "4", "2", "7", "1", "0", "allowed", "0", "0", ""]);
    assert.equal(host.pendingHttpCalls().length, 0);
    assert.throws(() => host.resolveHttpCall(4), /no pending HTTP call/);
  });

  test("a failed call is (0, 0, 0) with status 11 'reset'", async () => {
    const host = await startProbe({
      imports: ["proxy_http_call", "proxy_get_buffer_bytes", "proxy_get_status"],
      data: DATA,
      body: responder,
    });
    host.http().request({});
    host.clearLogs();
    host.failHttpCall(4);
    assert.deepEqual(host.logs("info", "worker"), ["1", "4", "0", "0", "0", "1", "", "0", "11", "reset"]);
  });

  test("a timeout answers 504 when the clock passes it", async () => {
    const host = await startProbe({
      imports: ["proxy_http_call", "proxy_get_buffer_bytes", "proxy_get_status"],
      data: DATA,
      body: responder,
    });
    host.http().request({});
    host.clearLogs();
    host.advanceClock(999);
    assert.equal(host.pendingHttpCalls().length, 1);
    host.advanceClock(1);
    assert.deepEqual(host.logs("info", "worker").slice(0, 7), ["1", "4", "3", "24", "0", "0", "upstream request timeout"]);
  });
});

describe("check 23: gRPC", () => {
  const grpcData: Array<[number, string]> = [
    [256, "grpc-cluster"],
    [280, "pkg.Service"],
    [300, "Method"],
    [320, "request"],
  ];
  const call = (fn: "call" | "stream", cluster = 12, timeoutMs = 1000) =>
    fn === "call"
      ? `(call $st (call $proxy_grpc_call (i32.const 256) (i32.const ${cluster}) (i32.const 280) (i32.const 11) (i32.const 300) (i32.const 6)
          (i32.const 0) (i32.const 0) (i32.const 320) (i32.const 7) (i32.const ${timeoutMs}) (i32.const 64)))
         (call $st (i32.load (i32.const 64)))`
      : `(call $st (call $proxy_grpc_stream (i32.const 256) (i32.const ${cluster}) (i32.const 280) (i32.const 11) (i32.const 300) (i32.const 6)
          (i32.const 0) (i32.const 0) (i32.const 64)))
         (call $st (i32.load (i32.const 64)))`;
  const imports = [
    "proxy_grpc_call",
    "proxy_grpc_stream",
    "proxy_grpc_send",
    "proxy_grpc_cancel",
    "proxy_grpc_close",
    "proxy_get_status",
    "proxy_get_buffer_bytes",
    "proxy_get_header_map_value",
  ];
  const receivers = `
    (func (export "proxy_on_grpc_receive_initial_metadata") (param $r i32) (param $t i32) (param $n i32)
      (call $st (local.get $t)) (call $st (local.get $n))
      (drop (call $proxy_get_header_map_value (i32.const 4) (i32.const 340) (i32.const 1) (i32.const 72) (i32.const 76)))
      (call $logout (i32.const 72)))
    (func (export "proxy_on_grpc_receive") (param $r i32) (param $t i32) (param $n i32)
      (call $st (local.get $t)) (call $st (local.get $n))
      (drop (call $proxy_get_buffer_bytes (i32.const 5) (i32.const 0) (local.get $n) (i32.const 72) (i32.const 76)))
      (call $logout (i32.const 72)))
    (func (export "proxy_on_grpc_receive_trailing_metadata") (param $r i32) (param $t i32) (param $n i32)
      (call $st (local.get $t))
      (drop (call $proxy_get_header_map_value (i32.const 5) (i32.const 340) (i32.const 1) (i32.const 72) (i32.const 76)))
      (call $logout (i32.const 72)))
    (func (export "proxy_on_grpc_close") (param $r i32) (param $t i32) (param $s i32)
      (call $st (local.get $r)) (call $st (local.get $t)) (call $st (local.get $s))
      (drop (call $proxy_get_status (i32.const 72) (i32.const 76) (i32.const 80)))
      (call $logout (i32.const 76)))`;

  test("call tokens 5, 9; stream tokens 6, 10; send/cancel/close statuses", async () => {
    const host = await startProbe({
      imports,
      data: grpcData,
      body: `(func (export "proxy_on_vm_start") (param i32 i32) (result i32)
          ${call("call")} ${call("call")} ${call("stream")} ${call("stream")}
          (call $st (call $proxy_grpc_send (i32.const 5) (i32.const 320) (i32.const 7) (i32.const 0)))
          (call $st (call $proxy_grpc_send (i32.const 14) (i32.const 320) (i32.const 7) (i32.const 0)))
          (call $st (call $proxy_grpc_send (i32.const 6) (i32.const 320) (i32.const 3) (i32.const 1)))
          (call $st (call $proxy_grpc_cancel (i32.const 9)))
          (call $st (call $proxy_grpc_cancel (i32.const 9)))
          (call $st (call $proxy_grpc_close (i32.const 4)))
          (i32.const 1))`,
    });
    assert.deepEqual(host.logs("info", "worker"), ["0", "5", "0", "9", "0", "6", "0", "10", "2", "1", "0", "0", "1", "2"]);
    const stream = host.pendingGrpcCalls().find((c) => c.token === 6)!;
    assert.deepEqual(stream.messages.map(String), ["req"]);
    assert.equal(stream.localClosed, true);
    assert.equal(stream.serviceName, "pkg.Service");
    assert.equal(stream.method, "Method");
    assert.deepEqual(
      host.pendingGrpcCalls().map((c) => c.token),
      [5, 6, 10],
    );
  });

  test("deleting the root context cancels its gRPC calls and streams: nothing more arrives, no deadline fires", async () => {
    const host = await startProbe({
      imports,
      data: grpcData,
      body: `(func (export "proxy_on_vm_start") (param i32 i32) (result i32) ${call("call")} ${call("stream")} (i32.const 1))
        ${receivers}`,
    });
    assert.deepEqual(
      host.pendingGrpcCalls().map((c) => c.token),
      [5, 6],
    );
    host.clearLogs();
    assert.equal(host.shutdown(), true);
    assert.deepEqual(host.pendingGrpcCalls(), []);
    assert.throws(() => host.resolveGrpcCall(5, "late"), /no pending gRPC call/);
    assert.throws(() => host.grpcStreamMessage(6, "late"), /no pending gRPC call/);
    host.advanceClock(5000);
    assert.deepEqual(host.logs(), [], "no on_grpc_close for the call's deadline");
  });

  test("an unknown cluster is PARSE_FAILURE", async () => {
    const host = await startProbe({ imports, data: grpcData, body: `(func (export "proxy_on_vm_start") (param i32 i32) (result i32) ${call("call", 11)} (i32.const 1))` }, { clusters: ["grpc-cluster"] });
    assert.deepEqual(host.logs("info", "worker"), ["4", "0"]);
  });

  test("unary: success is on_grpc_receive, failure on_grpc_close with the status message", async () => {
    const host = await startProbe({
      imports,
      data: [...grpcData, [340, "k"]],
      body: `(func (export "proxy_on_vm_start") (param i32 i32) (result i32) ${call("call")} ${call("call")} (i32.const 1)) ${receivers}`,
    });
    host.clearLogs();
    host.resolveGrpcCall(5, "reply");
    host.closeGrpc(9, { status: 14, message: "unavailable" });
    assert.deepEqual(host.logs("info", "worker"), ["5", "5", "reply", "1", "9", "14", "unavailable"]);
    assert.equal(host.pendingGrpcCalls().length, 0);
  });

  test("a unary call's timeout: on_grpc_close(root, token, 4 DEADLINE_EXCEEDED), message 'upstream request timeout'", async () => {
    const rec = recorder();
    const host = await startProbe(
      {
        imports,
        data: [...grpcData, [340, "k"]],
        // 5: 1000 ms; 9: no timeout (0); 6: a stream (no timeout argument); 13: 1000 ms, answered in time.
        body: `(func (export "proxy_on_vm_start") (param i32 i32) (result i32)
            ${call("call")} ${call("call", 12, 0)} ${call("stream")} ${call("call")} (i32.const 1))
          ${receivers}`,
      },
      { trace: rec.sink },
    );
    assert.deepEqual(host.logs("info", "worker"), ["0", "5", "0", "9", "0", "6", "0", "13"]);
    assert.deepEqual(
      host.pendingGrpcCalls().map((c) => [c.token, c.deadlineMs]),
      [
        [5, 1000],
        [9, Infinity],
        [6, Infinity],
        [13, 1000],
      ],
    );
    host.clearLogs();
    host.advanceClock(500);
    host.resolveGrpcCall(13, "in time");
    host.clearLogs();
    host.advanceClock(499);
    assert.deepEqual(host.logs("info", "worker"), [], "not before the deadline");
    assert.equal(host.pendingGrpcCalls().length, 3);
    host.advanceClock(1);
    assert.ok(calls(rec.lines).includes("proxy_on_grpc_close(1, 5, 4)"), "on the root context id, status 4");
    assert.deepEqual(host.logs("info", "worker"), ["1", "5", "4", "upstream request timeout"], "proxy_get_status during the callback");
    assert.deepEqual(
      host.pendingGrpcCalls().map((c) => c.token),
      [9, 6],
    );
    host.clearLogs();
    host.advanceClock(3_600_000);
    assert.deepEqual(host.logs("info", "worker"), [], "timeout 0 and streams never expire; 13 was answered");
    assert.deepEqual(
      host.pendingGrpcCalls().map((c) => c.token),
      [9, 6],
    );
    assert.equal(calls(rec.lines).filter((c) => c.startsWith("proxy_on_grpc_close")).length, 1);
  });

  test("stream: initial metadata, messages, trailing metadata, close", async () => {
    const host = await startProbe({
      imports,
      data: [...grpcData, [340, "k"]],
      body: `(func (export "proxy_on_vm_start") (param i32 i32) (result i32) ${call("stream")} (i32.const 1)) ${receivers}`,
    });
    host.clearLogs();
    host.grpcStreamInitialMetadata(6, { k: "init" });
    host.grpcStreamMessage(6, "m1");
    host.grpcStreamTrailingMetadata(6, { k: "trail" });
    host.closeGrpc(6, { status: 0 });
    assert.deepEqual(host.logs("info", "worker"), ["6", "1", "init", "6", "2", "m1", "6", "trail", "1", "6", "0", ""]);
  });
});

describe("check 24: proxy_set_effective_context", () => {
  test("applies to later hostcalls of the current call only; unknown ids are BAD_ARGUMENT", async () => {
    const host = await startProbe({
      imports: ["proxy_set_effective_context"],
      body: `(func (export "proxy_on_context_create") (param i32 i32))
        (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
          (call $st (call $proxy_set_effective_context (i32.const 1)))
          (call $st (call $proxy_set_effective_context (i32.const 77)))
          (i32.const 0))
        (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32) (call $st (i32.const 9)) (i32.const 0))`,
    });
    host.http().request({}).response({});
    assert.deepEqual(
      host.logEntries().map((e) => [e.message, e.contextId]),
      [
        ["0", 1],
        ["2", 1],
        ["9", 2],
      ],
    );
  });

  test("a callout response can act on the paused stream through it", async () => {
    const host = await startProbe({
      imports: ["proxy_http_call", "proxy_set_effective_context", "proxy_add_header_map_value", "proxy_continue_stream"],
      data: [...DATA, [800, "x-authz"], [810, "ok"]],
      body: `(func (export "proxy_on_context_create") (param i32 i32))
        (func (export "proxy_on_request_headers") (param $c i32) (param i32 i32) (result i32)
          (i32.store (i32.const 32) (local.get $c)) ${httpCall(13, 256, GOOD.size, 0)} (i32.const 1))
        (func (export "proxy_on_http_call_response") (param i32 i32 i32 i32 i32)
          (call $st (call $proxy_add_header_map_value (i32.const 0) (i32.const 800) (i32.const 7) (i32.const 810) (i32.const 2)))
          (call $st (call $proxy_set_effective_context (i32.load (i32.const 32))))
          (call $st (call $proxy_add_header_map_value (i32.const 0) (i32.const 800) (i32.const 7) (i32.const 810) (i32.const 2)))
          (call $st (call $proxy_continue_stream (i32.const 0))))`,
    });
    const s = host.http().request({});
    host.resolveHttpCall(4);
    assert.deepEqual(host.logs("info", "worker").slice(2), ["2", "0", "0", "0"]);
    assert.equal(s.requestHeader("x-authz"), "ok");
    assert.equal(s.requestForwarded, true);
  });
});

describe("event httpCallDone: how each HTTP callout ended", () => {
  // Each request dispatches a callout (timeout 1000 ms); the response callback logs token and header count.
  // on_log traps, so completing a stream fails the VM.
  const spec = {
    imports: ["proxy_http_call"],
    data: DATA,
    body: `
      (func (export "proxy_on_context_create") (param i32 i32))
      (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
        ${httpCall(13, 256, GOOD.size, 1000)} (i32.const 1))
      (func (export "proxy_on_http_call_response") (param i32) (param $t i32) (param $h i32) (param i32) (param i32)
        (call $st (local.get $t)) (call $st (local.get $h)))
      (func (export "proxy_on_log") (param i32) unreachable)`,
  };

  async function start() {
    const host = await startProbe(spec);
    const events: string[] = [];
    host.on("httpCallDone", (d) => events.push(`done ${d.token} ${d.cluster} ${d.reason}`));
    host.on("log", (e) => events.push(`log ${e.message}`));
    return { host, events };
  }

  test("resolved, failed and timed out: the event comes before the plugin's callback", async () => {
    const { host, events } = await start();
    for (let i = 0; i < 3; i++) host.http().request({});
    events.length = 0;
    host.resolveHttpCall(4, { status: 200 });
    host.failHttpCall(8);
    host.advanceClock(1000);
    assert.deepEqual(events, [
      "done 4 authz-cluster response",
      "log 4",
      "log 1",
      "done 8 authz-cluster reset",
      "log 8",
      "log 0",
      "done 12 authz-cluster timeout",
      "log 12",
      "log 3",
    ]);
    assert.equal(host.pendingHttpCalls().length, 0);
  });

  test("cancelled when the plugin shuts down: the answer can no longer be delivered", async () => {
    const { host, events } = await start();
    host.http().request({});
    events.length = 0;
    assert.equal(host.shutdown(), true);
    assert.deepEqual(events, ["done 4 authz-cluster cancelled"]);
    assert.deepEqual(host.pendingHttpCalls(), []);
    assert.throws(() => host.resolveHttpCall(4), /no pending HTTP call/);
    host.advanceClock(5000);
    assert.deepEqual(events, ["done 4 authz-cluster cancelled"], "no timeout for a cancelled call");
  });

  test("a failed VM's callouts still time out (Envoy's async client), without calling the plugin", async () => {
    const { host, events } = await start();
    host.http().request({}).complete();
    assert.equal(host.failState, "RuntimeError");
    events.length = 0;
    host.advanceClock(999);
    assert.equal(host.pendingHttpCalls().length, 1);
    host.advanceClock(1);
    assert.deepEqual(events, ["done 4 authz-cluster timeout"]);
    assert.deepEqual(host.pendingHttpCalls(), []);
  });
});
