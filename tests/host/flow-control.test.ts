// docs/abi.md §9 checks 11–13: mapping of callback return values, body buffering, deferred
// continue/close/local reply, local reply through the response callbacks, stream type checks.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { calls, pairsData, recorder, startProbe, type ProbeSpec } from "../../testkit/probe.ts";

const CALL_HEADERS = pairsData([
  [":method", "GET"],
  [":path", "/"],
  [":authority", "authz"],
]);
const REPLY_HEADERS = pairsData([["X-WhY", "test"]]);

interface Returns {
  reqHeaders?: number;
  reqBody?: number | number[];
  reqTrailers?: number;
  respHeaders?: number;
  respBody?: number | number[];
}

/** A filter whose callbacks log their size argument and return fixed values (per call for bodies). */
function flowProbe(r: Returns, extra = ""): ProbeSpec {
  const seq = (name: string, v: number | number[] | undefined) => {
    const values = Array.isArray(v) ? v : [v ?? 0];
    // Counter per callback at address 16/20; returns values[min(count, last)].
    const addr = name === "req" ? 16 : 20;
    const table = values
      .map((x, i) => `(if (i32.eq (local.get $i) (i32.const ${i})) (then (local.set $r (i32.const ${x}))))`)
      .join(" ");
    return `(local.set $i (i32.load (i32.const ${addr})))
      (i32.store (i32.const ${addr}) (i32.add (local.get $i) (i32.const 1)))
      (local.set $r (i32.const ${values[values.length - 1]})) ${table} (local.get $r)`;
  };
  return {
    imports: ["proxy_continue_stream", "proxy_get_buffer_bytes", "proxy_http_call", "proxy_set_effective_context"],
    body: `
      (func (export "proxy_on_context_create") (param i32 i32))
      (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) (i32.const ${r.reqHeaders ?? 0}))
      (func (export "proxy_on_request_body") (param $c i32) (param $n i32) (param $e i32) (result i32)
        (local $i i32) (local $r i32) (call $st (local.get $n)) ${seq("req", r.reqBody)})
      (func (export "proxy_on_request_trailers") (param i32 i32) (result i32) (i32.const ${r.reqTrailers ?? 0}))
      (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32) (i32.const ${r.respHeaders ?? 0}))
      (func (export "proxy_on_response_body") (param $c i32) (param $n i32) (param $e i32) (result i32)
        (local $i i32) (local $r i32) (call $st (local.get $n)) ${seq("resp", r.respBody)})
      ${extra}`,
  };
}

describe("check 11: return values and body buffering", () => {
  test("PAUSE from request headers stops everything (StopAllIterationAndWatermark): no body callback", async () => {
    const host = await startProbe(flowProbe({ reqHeaders: 1 }));
    const s = host.http().request({ headers: { a: "1" }, body: "abcd" });
    assert.equal(s.requestPaused, true);
    assert.equal(s.requestForwarded, false);
    assert.deepEqual(host.logs("info", "worker"), [], "on_request_body not called while stopped");
  });

  test("with allow_on_headers_stop_iteration, PAUSE is StopIteration: the body still reaches the filter", async () => {
    const host = await startProbe(flowProbe({ reqHeaders: 1 }), { allowOnHeadersStopIteration: true });
    const s = host.http();
    s.callOnRequestHeaders({}, false);
    assert.equal(s.requestForwarded, false, "headers held");
    s.callOnRequestBody("abcd", true);
    assert.deepEqual(host.logs("info", "worker"), ["4"]);
    assert.equal(s.requestForwarded, true, "the body's Continue releases the headers");
    assert.equal(s.requestBody.toString(), "abcd");
  });

  test("2 (ContinueAndEndStream) is Continue in Envoy; values above 4 stop", async () => {
    const two = await startProbe(flowProbe({ reqHeaders: 2 }));
    const a = two.http().request({ body: "x" });
    assert.equal(a.requestForwarded, true);
    assert.equal(a.requestBody.toString(), "x");
    const big = await startProbe(flowProbe({ reqHeaders: 9 }));
    const b = big.http().request({ body: "x" });
    assert.equal(b.requestPaused, true);
    assert.equal(b.requestForwarded, false);
  });

  test("body PAUSE buffers: the next call reports the cumulative size; CONTINUE flushes everything", async () => {
    const host = await startProbe(flowProbe({ reqBody: [1, 1, 0] }));
    const s = host.http().request({ body: ["ab", "cd", "ef"] });
    assert.deepEqual(host.logs("info", "worker"), ["2", "4", "6"]);
    assert.equal(s.requestBody.toString(), "abcdef");
    assert.equal(s.requestEnded, true);
  });

  test("the filter reads the buffered total in each body call while it pauses", async () => {
    const reader = await startProbe({
      imports: ["proxy_get_buffer_bytes"],
      body: `(func (export "proxy_on_request_body") (param $c i32) (param $n i32) (param $e i32) (result i32)
        (drop (call $proxy_get_buffer_bytes (i32.const 0) (i32.const 0) (local.get $n) (i32.const 64) (i32.const 68)))
        (call $logout (i32.const 64))
        (i32.xor (local.get $e) (i32.const 1)))`,
    });
    const s = reader.http().request({ body: ["ab", "cd", "ef"] });
    assert.deepEqual(reader.logs("info", "worker"), ["ab", "abcd", "abcdef"]);
    assert.equal(s.requestBody.toString(), "abcdef");
  });

  test("StopIterationAndWatermark (2): Envoy holds the data but the next call sees only the new chunk", async () => {
    const host = await startProbe(flowProbe({ reqBody: [2, 0] }));
    const s = host.http().request({ body: ["ab", "cde"] });
    assert.deepEqual(host.logs("info", "worker"), ["2", "3"]);
    assert.equal(s.requestBody.toString(), "abcde");
  });

  test("trailers PAUSE holds the end of the request", async () => {
    const host = await startProbe(flowProbe({ reqTrailers: 1 }));
    const s = host.http().request({ body: "x", trailers: { t: "1" } });
    assert.equal(s.requestBody.toString(), "x");
    assert.equal(s.requestEnded, false);
    assert.equal(s.requestPaused, true);
  });

  test("continue after a callout: buffered body arrives as one call; then the queued response", async () => {
    const host = await startProbe({
      imports: ["proxy_http_call", "proxy_continue_stream", "proxy_set_effective_context"],
      data: [
        [256, CALL_HEADERS.text],
        [400, "authz"],
      ],
      body: `
        (func (export "proxy_on_context_create") (param i32 i32))
        (func (export "proxy_on_request_headers") (param $c i32) (param i32 i32) (result i32)
          (i32.store (i32.const 32) (local.get $c))
          (call $st (call $proxy_http_call (i32.const 400) (i32.const 5) (i32.const 256) (i32.const ${CALL_HEADERS.size})
            (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 1000) (i32.const 36)))
          (call $st (i32.load (i32.const 36)))
          (i32.const 1))
        (func (export "proxy_on_http_call_response") (param $r i32) (param $t i32) (param $h i32) (param $b i32) (param $tr i32)
          (call $st (local.get $r))
          (call $st (call $proxy_set_effective_context (i32.load (i32.const 32))))
          (call $st (call $proxy_continue_stream (i32.const 0))))
        (func (export "proxy_on_request_body") (param $c i32) (param $n i32) (param $e i32) (result i32)
          (call $st (local.get $n)) (i32.const 0))
        (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32) (call $st (i32.const 77)) (i32.const 0))`,
    });
    const s = host.http().request({ body: ["ab", "cd"] }).response({ headers: { ":status": "200" } });
    assert.deepEqual(host.logs("info", "worker"), ["0", "4"], "call dispatched with token 4");
    assert.equal(s.requestPaused, true);
    assert.equal(s.responseHeaders.length, 0, "upstream cannot answer a request it has not seen");
    const [call] = host.pendingHttpCalls();
    assert.equal(call?.token, 4);
    host.resolveHttpCall(4, { status: 200 });
    assert.deepEqual(host.logs("info", "worker"), ["0", "4", "1", "0", "0", "4", "77"]);
    assert.equal(s.requestBody.toString(), "abcd");
    assert.equal(s.requestPaused, false);
    assert.equal(s.responseHeader(":status"), "200");
  });
});

describe("check 12: deferred actions and local replies", () => {
  const localReply = (code: number, grpc: number, then = "") => ({
    imports: ["proxy_send_local_response", "proxy_add_header_map_value"],
    data: [
      [256, "no  way\\tat all"],
      [288, "denied"],
      [320, REPLY_HEADERS.text],
      [400, "after"],
    ] as Array<[number, string]>,
    body: `
      (func (export "proxy_on_context_create") (param i32 i32))
      (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
        (call $st (call $proxy_send_local_response (i32.const ${code}) (i32.const 256) (i32.const 14)
          (i32.const 288) (i32.const 6) (i32.const 320) (i32.const ${REPLY_HEADERS.size}) (i32.const ${grpc})))
        (call $st (call $proxy_add_header_map_value (i32.const 0) (i32.const 400) (i32.const 5) (i32.const 400) (i32.const 5)))
        ${then}
        (i32.const 0))
      (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32) (call $st (i32.const 50)) (i32.const 0))
      (func (export "proxy_on_response_body") (param i32 i32 i32) (result i32) (call $st (i32.const 51)) (i32.const 0))
      (func (export "proxy_on_log") (param i32) (call $st (i32.const 52)))`,
  });

  test("send_local_response takes effect after the callback; its return value is overridden (stop)", async () => {
    const rec = recorder();
    const host = await startProbe(localReply(403, -1), { trace: rec.sink });
    rec.lines.length = 0;
    const s = host.http().request({ headers: { a: "1" }, body: "payload" });
    assert.deepEqual(host.logs("info", "worker").slice(0, 2), ["0", "0"], "headers still writable inside the callback");
    assert.equal(s.requestForwarded, false, "Continue was overridden: nothing went upstream");
    assert.deepEqual(s.localResponse, {
      statusCode: 403,
      details: "no__way_at_all",
      body: Buffer.from("denied"),
      headers: [["x-why", "test"]],
      grpcStatus: null,
    });
    assert.deepEqual(s.responseHeaders, [
      [":status", "403"],
      ["x-why", "test"],
      ["content-length", "6"],
      ["content-type", "text/plain"],
    ]);
    assert.equal(s.responseBody.toString(), "denied");
    assert.deepEqual(calls(rec.lines), [
      "proxy_on_context_create(2, 1)",
      "proxy_on_request_headers(2, 5, 0)",
      "proxy_on_response_headers(2, 4, 0)",
      "proxy_on_response_body(2, 6, 1)",
      "proxy_on_log(2)",
    ]);
    assert.equal(s.completed, true, "the local reply ends the stream");
    assert.equal(s.responseCodeDetails, "no__way_at_all");
  });

  test("grpc_status 0..16 is kept, anything else means none; a gRPC request gets a trailers-only reply", async () => {
    const host = await startProbe(localReply(200, 7));
    const s = host.http().request({ headers: { "content-type": "application/grpc" } });
    assert.equal(s.localResponse?.grpcStatus, 7);
    assert.equal(s.responseHeader("grpc-status"), "7");
    assert.equal(s.responseHeader(":status"), "200");
    const none = await startProbe(localReply(200, 17));
    assert.equal(none.http().request({}).localResponse?.grpcStatus, null);
  });

  test("the local reply can bypass the response callbacks (localReplyThroughFilter: false)", async () => {
    const host = await startProbe(localReply(401, -1), { localReplyThroughFilter: false });
    const s = host.http().request({});
    assert.equal(s.responseHeader(":status"), "401");
    assert.deepEqual(host.logs("info", "worker"), ["0", "0", "52"]);
  });

  test("a later upstream response is ignored after a local reply", async () => {
    const host = await startProbe(localReply(403, -1));
    const s = host.http().request({});
    assert.equal(s.callOnResponseHeaders({ ":status": "200" }), null);
    assert.equal(s.responseHeader(":status"), "403");
  });

  test("close_stream resets the stream after the callback; on_log/on_done/on_delete follow", async () => {
    const rec = recorder();
    const host = await startProbe(
      {
        imports: ["proxy_close_stream"],
        body: `(func (export "proxy_on_context_create") (param i32 i32))
          (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
            (call $st (call $proxy_close_stream (i32.const 0))) (i32.const 0))
          (func (export "proxy_on_log") (param i32)) (func (export "proxy_on_delete") (param i32))
          (func (export "proxy_on_done") (param i32) (result i32) (i32.const 1))`,
      },
      { trace: rec.sink },
    );
    const s = host.http().request({ body: "x" });
    assert.equal(s.resetDetails, "wasm_close_stream");
    assert.equal(s.completed, true);
    assert.deepEqual(calls(rec.lines).slice(-3), ["proxy_on_log(2)", "proxy_on_done(2)", "proxy_on_delete(2)"]);
    assert.equal(s.requestBody.length, 0);
  });

  test("continue_stream inside the callback that is about to pause is too early (Envoy ignores it)", async () => {
    const host = await startProbe({
      imports: ["proxy_continue_stream"],
      body: `(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
          (call $st (call $proxy_continue_stream (i32.const 0))) (i32.const 1))`,
    });
    const s = host.http().request({});
    assert.deepEqual(host.logs("info", "worker"), ["0"]);
    assert.equal(s.requestPaused, true);
  });
});

describe("check 13: stream types", () => {
  test("continue_stream(UPSTREAM) is UNIMPLEMENTED; stream type > 3 is BAD_ARGUMENT", async () => {
    const host = await startProbe({
      imports: ["proxy_continue_stream", "proxy_close_stream"],
      body: `(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
          (call $st (call $proxy_continue_stream (i32.const 3)))
          (call $st (call $proxy_continue_stream (i32.const 4)))
          (call $st (call $proxy_close_stream (i32.const 4)))
          (call $st (call $proxy_continue_stream (i32.const 2)))
          (i32.const 0))`,
    });
    host.http().request({});
    assert.deepEqual(host.logs("info", "worker"), ["12", "2", "2", "0"]);
  });
});

describe("continue after PAUSE from headers that ended the message", () => {
  // Each headers callback dispatches a callout and pauses; its response continues that direction.
  const spec = {
    imports: ["proxy_http_call", "proxy_continue_stream", "proxy_set_effective_context"],
    data: [
      [256, CALL_HEADERS.text],
      [400, "authz"],
    ] as Array<[number, string]>,
    body: `
      (func (export "proxy_on_context_create") (param i32 i32))
      (func $pause (param $c i32) (param $direction i32) (result i32)
        (i32.store (i32.const 32) (local.get $c))
        (i32.store (i32.const 40) (local.get $direction))
        (drop (call $proxy_http_call (i32.const 400) (i32.const 5) (i32.const 256) (i32.const ${CALL_HEADERS.size})
          (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 64)))
        (i32.const 1))
      (func (export "proxy_on_request_headers") (param $c i32) (param i32 i32) (result i32) (call $pause (local.get $c) (i32.const 0)))
      (func (export "proxy_on_response_headers") (param $c i32) (param i32 i32) (result i32) (call $pause (local.get $c) (i32.const 1)))
      (func (export "proxy_on_http_call_response") (param i32 i32 i32 i32 i32)
        (drop (call $proxy_set_effective_context (i32.load (i32.const 32))))
        (drop (call $proxy_continue_stream (i32.load (i32.const 40)))))`,
  };

  test("held headers go on with end_of_stream: a paused request without a body ends, and so does the response", async () => {
    const host = await startProbe(spec);
    const s = host.http();
    const events: string[] = [];
    s.on("requestHeaders", (_pairs, eos) => events.push(`request headers eos=${eos}`));
    s.on("responseHeaders", (_pairs, eos) => events.push(`response headers eos=${eos}`));
    s.callOnRequestHeaders({ ":path": "/" }, true);
    assert.deepEqual([s.requestPaused, s.requestForwarded, s.requestEnded], [true, false, false]);
    host.resolveHttpCall(4);
    assert.deepEqual(events, ["request headers eos=true"]);
    assert.deepEqual([s.requestPaused, s.requestForwarded, s.requestEnded], [false, true, true]);

    s.callOnResponseHeaders({ ":status": "204" }, true);
    assert.deepEqual([s.responsePaused, s.responseEnded], [true, false]);
    host.resolveHttpCall(8);
    assert.deepEqual(events, ["request headers eos=true", "response headers eos=true"]);
    assert.deepEqual([s.responsePaused, s.responseEnded], [false, true]);
  });

  test("headers held without end_of_stream still go on without it (the body follows)", async () => {
    const host = await startProbe(spec);
    const s = host.http();
    const events: string[] = [];
    s.on("requestHeaders", (_pairs, eos) => events.push(`headers eos=${eos}`));
    s.on("requestBody", (chunk, eos) => events.push(`body ${chunk} eos=${eos}`));
    s.request({ headers: { ":path": "/" }, body: "abc" });
    host.resolveHttpCall(4);
    assert.deepEqual(events, ["headers eos=false", "body abc eos=true"]);
    assert.equal(s.requestEnded, true);
  });
});
