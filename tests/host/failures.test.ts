// docs/abi.md §9 checks 32–34: VM failures (traps, host errors) and fail-open/closed streams, limits
// (1 GiB memory, random_get, memory high-water mark), and the completion-order profile switch.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ProxyWasmHost } from "../../scripts/host/index.ts";
import { calls, recorder, startProbe } from "../../testkit/probe.ts";
import { wat } from "../../testkit/wat.ts";

const failing = (where: string, how = "unreachable") => ({
  imports: ["proxy_call_foreign_function"],
  data: [[256, "boom"]] as Array<[number, string]>,
  body: `(func (export "proxy_on_context_create") (param i32 i32))
    (func $deep (call $deeper)) (func $deeper ${how})
    (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
      ${where === "request" ? "(call $deep)" : ""} (i32.const 0))
    (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32)
      ${where === "response" ? "(call $deep)" : ""} (i32.const 0))
    (func (export "proxy_on_log") (param i32))
    (func (export "proxy_on_done") (param i32) (result i32) (i32.const 1))
    (func (export "proxy_on_delete") (param i32))`,
});

describe("check 32: failures", () => {
  test("a trap fails the VM with 'Function: <export> failed: <message>' and an in-VM backtrace", async () => {
    const failed: string[] = [];
    const host = await startProbe(failing("request"));
    host.on("failed", (f) => failed.push(f.state));
    host.http().request({});
    assert.equal(host.failState, "RuntimeError");
    const [first, ...trace] = host.failMessage.split("\n");
    assert.equal(first, "Function: proxy_on_request_headers failed: Uncaught RuntimeError: unreachable");
    assert.equal(trace[0], "Proxy-Wasm plugin in-VM backtrace:");
    assert.match(trace[1]!, /^ {2}0: {2}0x[0-9a-f]+ - deeper$/);
    assert.match(trace[2]!, /^ {2}1: {2}0x[0-9a-f]+ - deep$/);
    assert.deepEqual(failed, ["RuntimeError"]);
  });

  test("after a failure: no more callbacks (no on_log/on_done/on_delete); fail-closed 503 for this and new streams", async () => {
    const rec = recorder();
    const host = await startProbe(failing("request"), { trace: rec.sink });
    rec.lines.length = 0;
    const s = host.http().request({ body: "x" }).response({ headers: { ":status": "200" } }).complete();
    assert.deepEqual(calls(rec.lines), ["proxy_on_context_create(2, 1)", "proxy_on_request_headers(2, 4, 0)"]);
    assert.deepEqual(s.localResponse, { statusCode: 503, details: "wasm_fail_stream", body: Buffer.alloc(0), headers: [], grpcStatus: 14 });
    assert.equal(s.responseHeader(":status"), "503");
    assert.equal(s.requestForwarded, false);
    rec.lines.length = 0;
    const next = host.http().request({}).response({}).complete();
    assert.equal(next.localResponse?.details, "wasm_fail_stream");
    assert.deepEqual(calls(rec.lines), [], "a failed VM is never called again");
  });

  test("fail-open: the failing stream continues and later streams pass through untouched", async () => {
    const rec = recorder();
    const host = await startProbe(failing("request"), { failOpen: true, trace: rec.sink });
    const s = host.http().request({ headers: { a: "1" }, body: "body" }).response({ headers: { ":status": "204" } }).complete();
    assert.equal(s.localResponse, null);
    assert.equal(s.requestBody.toString(), "body");
    assert.equal(s.responseHeader(":status"), "204");
    rec.lines.length = 0;
    const next = host.http().request({ body: "b2" }).response({ body: "r2" }).complete();
    assert.equal(next.requestBody.toString(), "b2");
    assert.equal(next.responseBody.toString(), "r2");
    assert.deepEqual(calls(rec.lines), []);
  });

  test("a trap in the response path replaces the response with the 503", async () => {
    const host = await startProbe(failing("response"));
    const s = host.http().request({}).response({ headers: { ":status": "200" }, body: "upstream" });
    assert.equal(s.responseHeader(":status"), "503");
    assert.equal(s.responseBody.length, 0);
  });

  test("a host error inside a hostcall fails the VM the same way", async () => {
    const host = await startProbe(
      {
        imports: ["proxy_call_foreign_function"],
        data: [[256, "boom"]],
        body: `(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
          (drop (call $proxy_call_foreign_function (i32.const 256) (i32.const 4) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)))
          (i32.const 0))`,
      },
      {
        foreignFunctions: {
          boom: () => {
            throw new Error("host bug");
          },
        },
      },
    );
    const s = host.http().request({});
    assert.equal(host.failMessage.split("\n")[0], "Function: proxy_on_request_headers failed: Uncaught Error: host bug");
    assert.equal(s.localResponse?.statusCode, 503);
  });

  test("out-of-bounds access and stack overflow are reported with V8's messages", async () => {
    const oob = await startProbe(failing("request", "(drop (i32.load (i32.const 2000000)))"));
    oob.http().request({});
    assert.match(oob.failMessage, /^Function: proxy_on_request_headers failed: Uncaught RuntimeError: memory access out of bounds/);
    const so = await startProbe({
      body: `(func $f (call $f)) (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) (call $f) (i32.const 0))`,
    });
    so.http().request({});
    assert.match(so.failMessage, /^Function: proxy_on_request_headers failed: Uncaught RangeError: Maximum call stack size exceeded/);
  });

  test("TCP: fail-closed closes the connection; fail-open passes data through", async () => {
    const body = `(func (export "proxy_on_downstream_data") (param i32 i32 i32) (result i32) unreachable)`;
    const closed = await startProbe({ body });
    const c = closed.tcp();
    c.downstreamData("x");
    assert.equal(c.closedBy, "wasm_fail_stream");
    assert.equal(c.upstreamBytes.length, 0);
    const open = await startProbe({ body }, { failOpen: true });
    const o = open.tcp();
    o.downstreamData("x");
    o.downstreamData("y");
    assert.equal(o.upstreamBytes.toString(), "xy");
    assert.equal(o.closedBy, null);
  });
});

describe("check 33: limits", () => {
  test("memory.grow beyond 1 GiB (16384 pages) returns -1, whatever maximum the module declares", async () => {
    const host = await startProbe({
      body: `(func (export "proxy_on_vm_start") (param i32 i32) (result i32)
        (call $st (i32.add (memory.grow (i32.const 16383)) (i32.const 1)))
        (call $st (i32.add (memory.grow (i32.const 1)) (i32.const 1)))
        (i32.const 1))`,
    });
    assert.deepEqual(host.logs("info", "worker"), ["0", "3"], "growing 2 pages by 16383 fails (-1), by 1 works (old size 2)");
    assert.equal(host.memoryPages(), 3);
  });

  test("a module whose initial memory exceeds 1 GiB cannot be instantiated", async () => {
    const host = await ProxyWasmHost.start({
      wasm: await wat(`(module (memory (export "memory") 16385) (func (export "proxy_abi_version_0_2_1"))
        (func (export "malloc") (param i32) (result i32) (i32.const 0)))`),
    });
    assert.equal(host.failState, "UnableToInitializeCode");
    assert.equal(host.failMessage, "Failed to create new Wasm instance");
  });

  test("random_get accepts up to 64 KiB and refuses more with EINVAL", async () => {
    const host = await startProbe({
      wasi: ["random_get"],
      body: `(func (export "proxy_on_vm_start") (param i32 i32) (result i32)
        (call $st (call $wasi_random_get (i32.const 65536) (i32.const 65536)))
        (call $st (call $wasi_random_get (i32.const 1024) (i32.const 65537)))
        (call $st (call $wasi_random_get (i32.const 131070) (i32.const 16)))
        (i32.const 1))`,
    });
    assert.deepEqual(host.logs("info", "worker"), ["0", "28", "21"]);
    assert.ok(host.memorySnapshot().subarray(65536, 131072).some((b) => b !== 0), "bytes were filled");
  });
});

describe("check 34: host profile switch", () => {
  test("completionOrder 'go-proxytest' reproduces proxytest's on_log → on_delete (no on_done)", async () => {
    const rec = recorder();
    const host = await startProbe(failing("none"), { trace: rec.sink, completionOrder: "go-proxytest" });
    rec.lines.length = 0;
    host.http().request({}).complete();
    assert.deepEqual(calls(rec.lines).slice(-2), ["proxy_on_log(2)", "proxy_on_delete(2)"]);
  });
});

describe("fail-open releases what the filter held", () => {
  // Keeps the first request chunk with StopIterationAndWatermark (2), then traps on the next one.
  const watermarkThenTrap = {
    body: `(global $calls (mut i32) (i32.const 0))
      (func (export "proxy_on_context_create") (param i32 i32))
      (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) (i32.const 0))
      (func (export "proxy_on_request_body") (param i32 i32 i32) (result i32)
        (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
        (if (i32.eq (global.get $calls) (i32.const 2)) (then unreachable))
        (i32.const 2))
      (func (export "proxy_on_done") (param i32) (result i32) (i32.const 1))
      (func (export "proxy_on_delete") (param i32))`,
  };

  test("a trap after StopIterationAndWatermark passes the kept chunk on before the current one", async () => {
    const host = await startProbe(watermarkThenTrap, { failOpen: true });
    const s = host.http();
    s.callOnRequestHeaders({ ":path": "/" });
    s.callOnRequestBody("first,");
    assert.equal(s.requestBody.toString(), "", "the watermarked chunk is kept");
    s.callOnRequestBody("second", true);
    assert.equal(host.failed, true);
    assert.equal(s.requestBody.toString(), "first,second");
  });

  test("a later chunk, after the VM failed, also releases what was kept", async () => {
    const host = await startProbe(watermarkThenTrap, { failOpen: true });
    const kept = host.http();
    kept.callOnRequestHeaders({ ":path": "/" });
    kept.callOnRequestBody("kept,");
    const failing = host.http();
    failing.callOnRequestHeaders({ ":path": "/" });
    failing.callOnRequestBody("x");
    assert.equal(host.failed, true, "the second stream's first chunk is the VM's second body call");
    kept.callOnRequestBody("rest", true);
    assert.equal(kept.requestBody.toString(), "kept,rest");
  });
});
