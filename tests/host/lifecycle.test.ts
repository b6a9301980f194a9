// docs/abi.md §9 checks 7–10: root start sequence, context ids, callback order (HTTP, TCP, root shutdown),
// and the canary VM.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SharedStore } from "../../scripts/host/index.ts";
import { calls, recorder, startProbe } from "../../testkit/probe.ts";

/** Every lifecycle/HTTP/TCP callback, each returning `ret` where it returns something. */
function allCallbacks(ret = 0): string {
  const w = (name: string, n: number) =>
    `(func (export "${name}") (param${" i32".repeat(n)}) (result i32) (i32.const ${ret}))`;
  const v = (name: string, n: number) => `(func (export "${name}") (param${" i32".repeat(n)}))`;
  return [
    v("proxy_on_context_create", 2),
    `(func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))`,
    `(func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.const 1))`,
    `(func (export "proxy_on_done") (param i32) (result i32) (i32.const 1))`,
    v("proxy_on_log", 1),
    v("proxy_on_delete", 1),
    w("proxy_on_request_headers", 3),
    w("proxy_on_request_body", 3),
    w("proxy_on_request_trailers", 2),
    w("proxy_on_response_headers", 3),
    w("proxy_on_response_body", 3),
    w("proxy_on_response_trailers", 2),
    w("proxy_on_new_connection", 1),
    w("proxy_on_downstream_data", 3),
    w("proxy_on_upstream_data", 3),
    v("proxy_on_downstream_connection_close", 2),
    v("proxy_on_upstream_connection_close", 2),
  ].join("\n");
}

describe("check 7: root context start", () => {
  test("on_context_create(1, 0), on_vm_start(1, |vm config|), on_configure(1, |plugin config|)", async () => {
    const rec = recorder();
    const host = await startProbe(
      { body: allCallbacks() },
      { trace: rec.sink, vmConfiguration: "abc", pluginConfiguration: "hello!" },
    );
    assert.equal(host.rootContextId, 1);
    assert.deepEqual(calls(rec.lines), ["proxy_on_context_create(1, 0)", "proxy_on_vm_start(1, 3)", "proxy_on_configure(1, 6)"]);
    assert.ok(host.configured);
  });

  test("VM configuration in on_vm_start; plugin configuration only in on_configure", async () => {
    const host = await startProbe(
      {
        imports: ["proxy_get_buffer_bytes"],
        body: `
          (func $both
            (call $st (call $proxy_get_buffer_bytes (i32.const 6) (i32.const 0) (i32.const 99) (i32.const 64) (i32.const 68)))
            (call $st (call $proxy_get_buffer_bytes (i32.const 7) (i32.const 0) (i32.const 99) (i32.const 72) (i32.const 76))))
          (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (call $both) (call $logout (i32.const 64)) (i32.const 1))
          (func (export "proxy_on_configure") (param i32 i32) (result i32) (call $both) (call $logout (i32.const 72)) (i32.const 1))`,
      },
      { vmConfiguration: "vmconf", pluginConfiguration: "plugconf" },
    );
    // The configuration canary starts the plugin first, then the worker: Envoy's log has both.
    const startUp = ["0", "1", "vmconf", "0", "0", "plugconf"];
    assert.deepEqual(host.logs("info"), [...startUp, ...startUp]);
    assert.deepEqual(host.logs("info", "worker"), startUp);
  });

  test("on_vm_start returning false fails the start (in the canary: base Wasm; without one: thread-local Wasm)", async () => {
    const body = `(func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 0))`;
    const host = await startProbe({ body });
    assert.equal(host.failState, "StartFailed");
    assert.equal(host.failMessage, "Failed to start base Wasm");
    assert.equal(host.configured, false);
    const single = await startProbe({ body }, { canary: false });
    assert.equal(single.failState, "StartFailed");
    assert.equal(single.failMessage, "Failed to start thread-local Wasm");
  });

  test("on_configure returning false fails the configuration (in the canary: base Wasm plugin)", async () => {
    const body = `(func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.const 0))`;
    const host = await startProbe({ body });
    assert.equal(host.failState, "ConfigureFailed");
    assert.equal(host.failMessage, "Failed to configure base Wasm plugin");
    const single = await startProbe({ body }, { canary: false });
    assert.equal(single.failMessage, "Failed to configure thread-local Wasm plugin");
  });
});

describe("check 7: a trap while starting", () => {
  test("a trap in on_configure is the VM's failure, and cpp-host also reports the failed configuration", async () => {
    const host = await startProbe({ body: `(func (export "proxy_on_configure") (param i32 i32) (result i32) (unreachable))` });
    assert.equal(host.failState, "RuntimeError");
    assert.match(host.failMessage, /^Function: proxy_on_configure failed: Uncaught RuntimeError: unreachable/);
    assert.deepEqual(host.hostMessages().slice(1), ["Failed to configure base Wasm plugin"]);
  });

  test("a trap in on_vm_start, without a canary: cpp-host also reports the failed thread-local start", async () => {
    const host = await startProbe({ body: `(func (export "proxy_on_vm_start") (param i32 i32) (result i32) (unreachable))` }, { canary: false });
    assert.equal(host.failState, "RuntimeError");
    assert.deepEqual(host.hostMessages().slice(1), ["Failed to start thread-local Wasm"]);
  });
});

describe("check 7 (ABI 0.1.0): configuration and resume calls", () => {
  test("proxy_get_configuration returns the plugin configuration in on_configure, the VM one elsewhere", async () => {
    const host = await startProbe(
      {
        abi: "0_1_0",
        imports: ["proxy_get_configuration"],
        body: `(func $conf (call $st (call $proxy_get_configuration (i32.const 64) (i32.const 68))) (call $logout (i32.const 64)))
          (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (call $conf) (i32.const 1))
          (func (export "proxy_on_configure") (param i32 i32) (result i32) (call $conf) (i32.const 1))`,
      },
      { vmConfiguration: "vm", pluginConfiguration: "plugin" },
    );
    assert.deepEqual(host.logs("info", "worker"), ["0", "vm", "0", "plugin"]);
  });

  test("proxy_continue_request resumes a paused request", async () => {
    const host = await startProbe({
      abi: "0_1_0",
      imports: ["proxy_continue_request", "proxy_set_effective_context", "proxy_set_tick_period_milliseconds"],
      body: `(func (export "proxy_on_vm_start") (param i32 i32) (result i32)
          (drop (call $proxy_set_tick_period_milliseconds (i32.const 10))) (i32.const 1))
        (func (export "proxy_on_request_headers") (param i32 i32) (result i32) (i32.const 1))
        (func (export "proxy_on_tick") (param i32)
          (drop (call $proxy_set_effective_context (i32.const 2)))
          (call $st (call $proxy_continue_request)))`,
    });
    const s = host.http().request({ body: "x" });
    assert.equal(s.requestForwarded, false);
    assert.equal(host.tick(), true);
    assert.deepEqual(host.logs("info"), ["0"]);
    assert.equal(s.requestForwarded, true);
    assert.equal(s.requestBody.toString(), "x");
  });
});

describe("check 8: context ids", () => {
  test("streams get 2, 3, … from one counter shared by HTTP and TCP, never reused", async () => {
    const host = await startProbe({ body: allCallbacks() });
    const a = host.http();
    const b = host.tcp();
    a.request({}).response({}).complete();
    b.open();
    b.complete();
    const c = host.http();
    assert.deepEqual([a.id, b.id, c.id], [2, 3, 4]);
  });

  test("on_context_create(S, R) runs lazily, right before the first stream callback", async () => {
    const rec = recorder();
    const host = await startProbe({ body: allCallbacks() }, { trace: rec.sink });
    const s = host.http();
    assert.ok(!calls(rec.lines).includes("proxy_on_context_create(2, 1)"));
    s.callOnRequestHeaders({}, true);
    assert.deepEqual(calls(rec.lines).slice(-2), ["proxy_on_context_create(2, 1)", "proxy_on_request_headers(2, 4, 1)"]);
  });
});

describe("check 9: callback order", () => {
  test("HTTP: headers, body, trailers each way, then on_log, on_done, on_delete", async () => {
    const rec = recorder();
    const host = await startProbe({ body: allCallbacks() }, { trace: rec.sink });
    rec.lines.length = 0;
    host
      .http()
      .request({ headers: { a: "b" }, body: "hello", trailers: { t: "1" } })
      .response({ headers: { ":status": "200" }, body: ["ab", "c"], trailers: { u: "2" } })
      .complete();
    assert.deepEqual(calls(rec.lines), [
      "proxy_on_context_create(2, 1)",
      "proxy_on_request_headers(2, 5, 0)",
      "proxy_on_request_body(2, 5, 0)",
      "proxy_on_request_trailers(2, 1)",
      "proxy_on_response_headers(2, 1, 0)",
      "proxy_on_response_body(2, 2, 0)",
      "proxy_on_response_body(2, 1, 0)",
      "proxy_on_response_trailers(2, 1)",
      "proxy_on_log(2)",
      "proxy_on_done(2)",
      "proxy_on_delete(2)",
    ]);
  });

  test("headers with end_of_stream: no body callback; the go-proxytest order drops on_done", async () => {
    const rec = recorder();
    const host = await startProbe({ body: allCallbacks() }, { trace: rec.sink, completionOrder: "go-proxytest" });
    rec.lines.length = 0;
    host.http().request({}).response({}).complete();
    assert.deepEqual(calls(rec.lines), [
      "proxy_on_context_create(2, 1)",
      "proxy_on_request_headers(2, 4, 1)",
      "proxy_on_response_headers(2, 1, 1)",
      "proxy_on_log(2)",
      "proxy_on_delete(2)",
    ]);
  });

  test("a stream completed before any callback still gets create + log + done + delete (Envoy log())", async () => {
    const rec = recorder();
    const host = await startProbe({ body: allCallbacks() }, { trace: rec.sink });
    rec.lines.length = 0;
    host.http().complete();
    assert.deepEqual(calls(rec.lines), ["proxy_on_context_create(2, 1)", "proxy_on_log(2)", "proxy_on_done(2)", "proxy_on_delete(2)"]);
  });

  test("TCP: new connection, data both ways, upstream close synthesized on end of stream, then close → done → log → delete", async () => {
    const rec = recorder();
    const host = await startProbe({ body: allCallbacks() }, { trace: rec.sink });
    rec.lines.length = 0;
    const c = host.tcp();
    c.open();
    c.downstreamData("ping");
    c.upstreamData("pong", true);
    c.closeDownstream("remote");
    assert.deepEqual(calls(rec.lines), [
      "proxy_on_context_create(2, 1)",
      "proxy_on_new_connection(2)",
      "proxy_on_downstream_data(2, 4, 0)",
      "proxy_on_upstream_data(2, 4, 1)",
      "proxy_on_upstream_connection_close(2, 0)",
      "proxy_on_downstream_connection_close(2, 2)",
      "proxy_on_done(2)",
      "proxy_on_log(2)",
      "proxy_on_delete(2)",
    ]);
    assert.equal(c.upstreamBytes.toString(), "ping");
    assert.equal(c.downstreamBytes.toString(), "pong");
  });

  test("TCP: an upstream close alone does not tear the context down", async () => {
    const rec = recorder();
    const host = await startProbe({ body: allCallbacks() }, { trace: rec.sink });
    const c = host.tcp();
    c.open();
    c.closeUpstream("local");
    assert.equal(calls(rec.lines).at(-1), "proxy_on_upstream_connection_close(2, 1)");
    c.closeDownstream("local");
    assert.deepEqual(calls(rec.lines).slice(-4), [
      "proxy_on_downstream_connection_close(2, 1)",
      "proxy_on_done(2)",
      "proxy_on_log(2)",
      "proxy_on_delete(2)",
    ]);
  });

  test("root shutdown: on_done true ⇒ on_delete", async () => {
    const rec = recorder();
    const host = await startProbe({ body: allCallbacks() }, { trace: rec.sink });
    assert.equal(host.shutdown(), true);
    assert.deepEqual(calls(rec.lines).slice(-2), ["proxy_on_done(1)", "proxy_on_delete(1)"]);
    assert.ok(host.rootDone);
    assert.throws(() => host.http(), /shut down/);
  });

  test("root shutdown: on_done false ⇒ wait for proxy_done, then on_delete after that call", async () => {
    const rec = recorder();
    const host = await startProbe(
      {
        imports: ["proxy_done", "proxy_set_tick_period_milliseconds"],
        body: `
          (func (export "proxy_on_vm_start") (param i32 i32) (result i32)
            (call $st (call $proxy_done))
            (drop (call $proxy_set_tick_period_milliseconds (i32.const 100))) (i32.const 1))
          (func (export "proxy_on_done") (param i32) (result i32) (i32.const 0))
          (func (export "proxy_on_tick") (param i32) (call $st (call $proxy_done)) (call $st (i32.const 42)))
          (func (export "proxy_on_delete") (param i32))`,
      },
      { trace: rec.sink },
    );
    assert.deepEqual(host.logs("info", "worker"), ["1"], "proxy_done before shutdown is NOT_FOUND");
    assert.equal(host.shutdown(), false);
    assert.equal(host.rootDone, false);
    host.advanceClock(100);
    assert.deepEqual(host.logs("info", "worker"), ["1", "0", "42"]);
    assert.deepEqual(calls(rec.lines).slice(-3), ["proxy_on_done(1)", "proxy_on_tick(1)", "proxy_on_delete(1)"]);
    assert.ok(host.rootDone);
  });
});

describe("check 10: canary", () => {
  test("start and configure run first in a throw-away VM, then in the worker", async () => {
    const rec = recorder();
    const shared = new SharedStore();
    const host = await startProbe(
      {
        imports: ["proxy_set_shared_data"],
        data: [[256, "k"]],
        body: `(func (export "_initialize"))
          (func (export "proxy_on_vm_start") (param i32 i32) (result i32)
            (call $st (call $proxy_set_shared_data (i32.const 256) (i32.const 1) (i32.const 256) (i32.const 1) (i32.const 0)))
            (i32.const 1))
          (func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.const 1))
          (func (export "proxy_on_context_create") (param i32 i32))
          (func (export "proxy_on_delete") (param i32))`,
      },
      { trace: rec.sink, canary: true, shared },
    );
    assert.equal(host.failState, "Ok");
    const base = rec.lines.filter((l) => l.startsWith("[base] [host->vm]")).map((l) => l.slice(18));
    assert.deepEqual(base, ["_initialize()"], "the base VM is only started");
    const canary = rec.lines.filter((l) => l.startsWith("[canary] [host->vm]")).map((l) => l.slice(20));
    // cpp-host kill()s a canary that configured: no on_done / on_delete.
    assert.deepEqual(canary, ["_initialize()", "proxy_on_context_create(1, 0)", "proxy_on_vm_start(1, 0)", "proxy_on_configure(1, 0)"]);
    assert.deepEqual(calls(rec.lines), ["_initialize()", "proxy_on_context_create(1, 0)", "proxy_on_vm_start(1, 0)", "proxy_on_configure(1, 0)"]);
    assert.deepEqual(host.logs("info"), ["0", "0"], "both VMs ran on_vm_start");
    assert.deepEqual(host.logEntries().map((e) => e.vm), ["canary", "worker"]);
    assert.equal(shared.get("", "k")?.cas, 2, "the canary's write is process-wide");
  });

  test("a canary that rejects the configuration fails the start (config rejected)", async () => {
    const host = await startProbe(
      { body: `(func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.const 0))` },
      { canary: true },
    );
    assert.equal(host.failState, "ConfigureFailed");
    assert.equal(host.failMessage, "Failed to configure base Wasm plugin");
    const s = host.http().request({});
    assert.equal(s.localResponse?.statusCode, 503, "no worker plugin: fail-closed");
  });
});
