// callbackTimeoutMs: a looping callback (or a looping _initialize) fails the VM with a message naming the
// call and the deadline instead of hanging the test; without the option nothing changes.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ProxyWasmHost, type CallMonitor } from "../../scripts/host/index.ts";
import { probe, startProbe } from "../../testkit/probe.ts";

const looping = (where: "request" | "initialize") => ({
  body: `(func (export "_initialize") ${where === "initialize" ? "(loop $spin (br $spin))" : ""})
    (func (export "proxy_on_context_create") (param i32 i32))
    (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
      (if (i32.eq (local.get 1) (i32.const 99)) (then (loop $spin (br $spin))))
      (i32.const 0))
    (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32) (i32.const 0))
    (func (export "proxy_on_done") (param i32) (result i32) (i32.const 1))
    (func (export "proxy_on_delete") (param i32))`,
});

/** 99 headers make the probe's on_request_headers loop. */
const loopingRequest = Object.fromEntries(Array.from({ length: 95 }, (_, i) => [`x-h${i}`, "v"]));

describe("callbackTimeoutMs", () => {
  test("a looping on_request_headers fails the VM like a trap: fail-closed 503, then every stream", async () => {
    const host = await startProbe(looping("request"), { callbackTimeoutMs: 1000 });
    assert.equal(host.failState, "Ok", host.failMessage);
    const fine = host.http().request({ headers: { "x-a": "1" } }).response({}).complete();
    assert.equal(fine.responseHeader(":status"), "200");

    const started = Date.now();
    const stuck = host.http().request({ headers: loopingRequest });
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 900 && elapsed < 10000, `interrupted after the deadline (${elapsed} ms)`);
    assert.equal(host.failState, "RuntimeError");
    assert.equal(host.failMessage, "Function: proxy_on_request_headers failed: did not return within 1000 ms (callbackTimeoutMs)");
    assert.equal(stuck.localResponse?.statusCode, 503);
    assert.equal(stuck.localResponse?.details, "wasm_fail_stream");
    assert.equal(host.http().request({}).localResponse?.statusCode, 503, "the VM stays failed, as after a trap");
  });

  test("fail-open: the looping request passes through without the filter", async () => {
    const host = await startProbe(looping("request"), { callbackTimeoutMs: 1000, failOpen: true });
    const stuck = host.http().request({ headers: loopingRequest }).response({ headers: { ":status": "201" } }).complete();
    assert.equal(host.failState, "RuntimeError");
    assert.equal(stuck.requestForwarded, true);
    assert.equal(stuck.responseHeader(":status"), "201");
  });

  test("a looping _initialize: start() resolves with a failed host and says which call did not return", async () => {
    const started = Date.now();
    const host = await startProbe(looping("initialize"), { callbackTimeoutMs: 1000 });
    assert.ok(Date.now() - started < 10000);
    assert.equal(host.failed, true);
    assert.equal(host.failMessage, "Function: _initialize failed: did not return within 1000 ms (callbackTimeoutMs)");
  });

  test("a trap under a deadline is still reported as the trap, with its in-VM backtrace", async () => {
    const host = await startProbe(
      {
        body: `(func (export "proxy_on_context_create") (param i32 i32))
          (func $inner unreachable)
          (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) (call $inner) (i32.const 0))`,
      },
      { callbackTimeoutMs: 1000 },
    );
    host.http().request({});
    const [first, , frame] = host.failMessage.split("\n");
    assert.equal(first, "Function: proxy_on_request_headers failed: Uncaught RuntimeError: unreachable");
    assert.match(frame!, /- inner$/);
  });

  test("a call monitor sees every outermost call (not the nested malloc), with its context id", async () => {
    const seen: string[] = [];
    let open = 0;
    const monitor: CallMonitor = {
      enter: (name, contextId) => {
        open++;
        seen.push(`${name}(${contextId})`);
      },
      exit: () => void open--,
    };
    const host = await ProxyWasmHost.start({ wasm: await probe(looping("request")), rootId: "probe", callMonitor: monitor });
    host.http().request({}).response({}).complete();
    assert.equal(open, 0);
    assert.deepEqual(seen, [
      "_initialize(0)", // the base VM
      "_initialize(0)", // the configuration canary
      "proxy_on_context_create(1)",
      "_initialize(0)", // the worker
      "proxy_on_context_create(1)",
      "proxy_on_context_create(2)",
      "proxy_on_request_headers(2)",
      "proxy_on_response_headers(2)",
      "proxy_on_done(2)",
      "proxy_on_delete(2)",
    ]);
  });

  test("a bad callbackTimeoutMs is refused", async () => {
    await assert.rejects(startProbe(looping("request"), { callbackTimeoutMs: -1 }), /callbackTimeoutMs must be a positive number of ms/);
  });
});
