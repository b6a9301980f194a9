// WASI with cpp-host's semantics (docs/abi.md §1.4, §8) and TCP flow control (§2.5).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { calls, recorder, startProbe } from "../../testkit/probe.ts";

describe("WASI", () => {
  test("proc_exit only logs and returns; execution continues", async () => {
    const host = await startProbe({
      wasi: ["proc_exit"],
      body: `(func (export "proxy_on_vm_start") (param i32 i32) (result i32)
        (call $wasi_proc_exit (i32.const 255)) (call $st (i32.const 7)) (i32.const 1))`,
    });
    assert.equal(host.failState, "Ok");
    assert.deepEqual(host.logs("info", "worker"), ["7"]);
    assert.ok(host.hostMessages().includes("wasi_unstable proc_exit"));
  });

  test("environ from the VM's environment variables; no args", async () => {
    const host = await startProbe(
      {
        wasi: ["environ_sizes_get", "environ_get", "args_sizes_get"],
        body: `(func (export "_initialize")
          (call $st (call $wasi_environ_sizes_get (i32.const 64) (i32.const 68)))
          (call $st (i32.load (i32.const 64))) (call $st (i32.load (i32.const 68)))
          (call $st (call $wasi_environ_get (i32.const 1024) (i32.const 1100)))
          (call $logmem (i32.load (i32.const 1024)) (i32.const 4))
          (call $logmem (i32.load (i32.const 1028)) (i32.const 8))
          (call $st (call $wasi_args_sizes_get (i32.const 64) (i32.const 68)))
          (call $st (i32.add (i32.load (i32.const 64)) (i32.load (i32.const 68)))))`,
      },
      { environment: { A: "1", KEY: "val" } },
    );
    assert.deepEqual(host.logs("info", "worker"), ["0", "2", "12", "0", "A=1\0", "KEY=val\0", "0", "0"]);
  });

  test("clocks: realtime and monotonic follow the virtual clock; other ids are ENOTSUP", async () => {
    const host = await startProbe({
      wasi: ["clock_time_get"],
      body: `(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
        (call $st (call $wasi_clock_time_get (i32.const 1) (i64.const 1) (i32.const 64)))
        (i64.store (i32.const 80) (i64.sub (i64.load (i32.const 64)) (i64.load (i32.const 72))))
        (i64.store (i32.const 72) (i64.load (i32.const 64)))
        (call $st (i32.wrap_i64 (i64.div_u (i64.load (i32.const 80)) (i64.const 1000000))))
        (call $st (call $wasi_clock_time_get (i32.const 2) (i64.const 1) (i32.const 64)))
        (i32.const 0))`,
    });
    host.http().request({});
    host.advanceClock(1234);
    host.http().request({});
    const logs = host.logs("info", "worker");
    assert.deepEqual([logs[0], logs[2], logs[3], logs[4], logs[5]], ["0", "58", "0", "1234", "58"]);
  });
});

describe("TCP flow control", () => {
  const body = `(func (export "proxy_on_context_create") (param i32 i32))
    (func (export "proxy_on_downstream_data") (param $c i32) (param $n i32) (param $e i32) (result i32)
      (call $st (local.get $n))
      (drop (call $proxy_get_buffer_bytes (i32.const 2) (i32.const 0) (local.get $n) (i32.const 64) (i32.const 68)))
      (call $logout (i32.const 64))
      (if (result i32) (i32.lt_u (local.get $n) (i32.const 4))
        (then (i32.const 1))
        (else (call $st (call $proxy_set_buffer_bytes (i32.const 2) (i32.const 0) (i32.const 0) (i32.const 256) (i32.const 1))) (i32.const 0))))
    (func (export "proxy_on_upstream_data") (param $c i32) (param $n i32) (param $e i32) (result i32)
      (call $st (call $proxy_close_stream (i32.const 3))) (i32.const 0))
    (func (export "proxy_on_downstream_connection_close") (param i32 i32))
    (func (export "proxy_on_delete") (param i32))`;
  const spec = {
    imports: ["proxy_get_buffer_bytes", "proxy_set_buffer_bytes", "proxy_close_stream", "proxy_continue_stream"],
    data: [[256, ">"]] as Array<[number, string]>,
    body,
  };

  test("StopIteration keeps data in the connection buffer; the next read sees all of it; writes modify it", async () => {
    const host = await startProbe(spec);
    const c = host.tcp();
    c.open();
    c.downstreamData("ab");
    assert.equal(c.upstreamBytes.length, 0);
    c.downstreamData("cd");
    assert.deepEqual(host.logs("info", "worker"), ["2", "ab", "4", "abcd", "0"]);
    assert.equal(c.upstreamBytes.toString(), ">abcd");
  });

  test("close_stream from the upstream side closes the connection (local close) and tears down", async () => {
    const rec = recorder();
    const host = await startProbe(spec, { trace: rec.sink });
    const c = host.tcp();
    c.open();
    c.upstreamData("x");
    assert.equal(c.closedBy, "wasm_upstream_close");
    assert.ok(c.completed);
    assert.deepEqual(calls(rec.lines).slice(-2), ["proxy_on_downstream_connection_close(2, 1)", "proxy_on_delete(2)"]);
  });

  test("continue_stream(DOWNSTREAM) releases held data", async () => {
    const host = await startProbe({
      imports: ["proxy_continue_stream", "proxy_set_effective_context", "proxy_set_tick_period_milliseconds"],
      body: `(func (export "proxy_on_context_create") (param i32 i32))
        (func (export "proxy_on_downstream_data") (param i32 i32 i32) (result i32) (i32.const 1))
        (func (export "proxy_on_tick") (param i32)
          (drop (call $proxy_set_effective_context (i32.const 2)))
          (call $st (call $proxy_continue_stream (i32.const 2))))
        (func (export "proxy_on_vm_start") (param i32 i32) (result i32)
          (drop (call $proxy_set_tick_period_milliseconds (i32.const 10))) (i32.const 1))`,
    });
    const c = host.tcp();
    c.downstreamData("held");
    assert.equal(c.upstreamBytes.length, 0);
    host.tick();
    assert.equal(c.upstreamBytes.toString(), "held");
    assert.deepEqual(host.logs("info", "worker"), ["0"]);
  });
});
