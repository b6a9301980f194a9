// docs/abi.md §9 checks 25–29: shared data, shared queues, ticks and the clock, metrics, logging.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SharedStore } from "../../scripts/host/index.ts";
import { calls, recorder, startProbe } from "../../testkit/probe.ts";

describe("check 25: shared data", () => {
  const body = `(func (export "proxy_on_vm_start") (param i32 i32) (result i32)
      (call $st (call $proxy_get_shared_data (i32.const 256) (i32.const 1) (i32.const 64) (i32.const 68) (i32.const 72)))
      (call $st (call $proxy_set_shared_data (i32.const 256) (i32.const 1) (i32.const 260) (i32.const 2) (i32.const 0)))
      (call $st (call $proxy_get_shared_data (i32.const 256) (i32.const 1) (i32.const 64) (i32.const 68) (i32.const 72)))
      (call $logout (i32.const 64)) (call $st (i32.load (i32.const 72)))
      (call $st (call $proxy_set_shared_data (i32.const 256) (i32.const 1) (i32.const 262) (i32.const 2) (i32.const 7)))
      (call $st (call $proxy_set_shared_data (i32.const 256) (i32.const 1) (i32.const 262) (i32.const 2) (i32.load (i32.const 72))))
      (call $st (call $proxy_get_shared_data (i32.const 256) (i32.const 1) (i32.const 64) (i32.const 68) (i32.const 72)))
      (call $logout (i32.const 64)) (call $st (i32.load (i32.const 72)))
      (call $st (call $proxy_set_shared_data (i32.const 256) (i32.const 1) (i32.const 260) (i32.const 2) (i32.const 0)))
      (i32.const 1))`;
  const spec = {
    imports: ["proxy_get_shared_data", "proxy_set_shared_data"],
    data: [
      [256, "k"],
      [260, "v1v2"],
    ] as Array<[number, string]>,
    body,
  };

  test("missing ⇒ NOT_FOUND; cas 0 is unconditional; a stale cas ⇒ CAS_MISMATCH; each set gets a new cas from 1", async () => {
    const host = await startProbe(spec);
    // Shared data is process-wide: the configuration canary's sets count, and the worker finds its data.
    assert.deepEqual(host.logs("info", "canary"), ["1", "0", "0", "v1", "1", "8", "0", "0", "v2", "2", "0"]);
    assert.deepEqual(host.logs("info", "worker"), ["0", "0", "0", "v1", "4", "8", "0", "0", "v2", "5", "0"]);
    assert.deepEqual(host.sharedData("k"), { value: Buffer.from("v1"), cas: 6 });
  });

  test("scoped by vm_id and shared by hosts that share a store", async () => {
    const shared = new SharedStore();
    // One VM per host here, so that each host's first read is its first call.
    const a = await startProbe(spec, { vmId: "one", shared, canary: false });
    const b = await startProbe(spec, { vmId: "two", shared, canary: false });
    assert.deepEqual(b.logs("info", "worker").slice(0, 1), ["1"], "vm 'two' does not see vm 'one'");
    const c = await startProbe(spec, { vmId: "one", shared, canary: false });
    assert.equal(c.logs("info", "worker")[0], "0", "another VM with vm_id 'one' sees the data");
    assert.equal(a.sharedData("k")?.value.toString(), "v1");
    assert.equal(b.sharedData("k", "one")?.cas, 9);
  });
});

describe("check 26: shared queues", () => {
  const body = `(func (export "proxy_on_vm_start") (param i32 i32) (result i32)
      (call $st (call $proxy_resolve_shared_queue (i32.const 0) (i32.const 0) (i32.const 256) (i32.const 1) (i32.const 64)))
      (call $st (call $proxy_register_shared_queue (i32.const 256) (i32.const 1) (i32.const 64)))
      (call $st (i32.load (i32.const 64)))
      (call $st (call $proxy_register_shared_queue (i32.const 256) (i32.const 1) (i32.const 64)))
      (call $st (i32.load (i32.const 64)))
      (call $st (call $proxy_resolve_shared_queue (i32.const 0) (i32.const 0) (i32.const 256) (i32.const 1) (i32.const 68)))
      (call $st (i32.load (i32.const 68)))
      (call $st (call $proxy_dequeue_shared_queue (i32.const 1) (i32.const 72) (i32.const 76)))
      (call $st (call $proxy_dequeue_shared_queue (i32.const 9) (i32.const 72) (i32.const 76)))
      (call $st (call $proxy_enqueue_shared_queue (i32.const 9) (i32.const 260) (i32.const 1)))
      (call $st (call $proxy_enqueue_shared_queue (i32.const 1) (i32.const 260) (i32.const 1)))
      (call $st (call $proxy_enqueue_shared_queue (i32.const 1) (i32.const 261) (i32.const 1)))
      (call $st (i32.const 99))
      (i32.const 1))
    (func (export "proxy_on_queue_ready") (param $r i32) (param $q i32)
      (call $st (local.get $r)) (call $st (local.get $q))
      (call $st (call $proxy_dequeue_shared_queue (local.get $q) (i32.const 72) (i32.const 76)))
      (call $logout (i32.const 72)))`;

  test("register is idempotent, resolve finds it, FIFO, EMPTY/NOT_FOUND, on_queue_ready after the current call", async () => {
    const host = await startProbe({
      imports: ["proxy_register_shared_queue", "proxy_resolve_shared_queue", "proxy_enqueue_shared_queue", "proxy_dequeue_shared_queue"],
      data: [
        [256, "q"],
        [260, "ab"],
      ],
      body,
    },
    // One VM: the canary's queue would already be registered and its items taken.
    { canary: false });
    assert.deepEqual(host.logs("info", "worker"), [
      "1", "0", "1", "0", "1", "0", "1", "7", "1", "1", "0", "0", "99",
      "1", "1", "0", "a",
      "1", "1", "0", "b",
    ]);
    host.clearLogs();
    host.enqueueSharedQueue("q", "from test");
    assert.deepEqual(host.logs("info", "worker"), ["1", "1", "0", "from test"]);
    assert.equal(host.sharedQueueSize("q"), 0);
  });
});

describe("check 26: shared queues across workers (hosts sharing a SharedStore)", () => {
  const queueImports = ["proxy_register_shared_queue", "proxy_resolve_shared_queue", "proxy_enqueue_shared_queue", "proxy_dequeue_shared_queue"];
  // Worker B registers "q" and drains it in on_queue_ready; worker A enqueues from a request.
  const registrar = {
    imports: queueImports,
    data: [[256, "q"]] as Array<[number, string]>,
    body: `(func (export "proxy_on_vm_start") (param i32 i32) (result i32)
        (drop (call $proxy_register_shared_queue (i32.const 256) (i32.const 1) (i32.const 64))) (i32.const 1))
      (func (export "proxy_on_queue_ready") (param $r i32) (param $q i32)
        (drop (call $proxy_dequeue_shared_queue (local.get $q) (i32.const 72) (i32.const 76)))
        (call $logout (i32.const 72)))`,
  };
  const producer = {
    imports: queueImports,
    data: [
      [256, "q"],
      [260, "hello"],
    ] as Array<[number, string]>,
    body: `(func (export "proxy_on_context_create") (param i32 i32))
      (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
        (call $st (call $proxy_resolve_shared_queue (i32.const 0) (i32.const 0) (i32.const 256) (i32.const 1) (i32.const 64)))
        (call $st (call $proxy_enqueue_shared_queue (i32.load (i32.const 64)) (i32.const 260) (i32.const 5)))
        (call $st (i32.const 99))
        (i32.const 0))`,
  };

  test("B's on_queue_ready runs after A's call that enqueued has returned, not inside it", async () => {
    const shared = new SharedStore();
    const order: string[] = [];
    const b = await startProbe(registrar, { vmId: "w", shared, trace: (l) => order.push(`B ${l}`) });
    const a = await startProbe(producer, { vmId: "w", shared, trace: (l) => order.push(`A ${l}`) });
    order.length = 0;
    a.http().request({});
    assert.deepEqual(a.logs("info", "worker"), ["0", "0", "99"]);
    assert.deepEqual(b.logs("info", "worker"), ["hello"]);
    const seen = order.filter((l) => /proxy_on_request_headers|proxy_on_queue_ready/.test(l) && !l.includes("malloc"));
    assert.deepEqual(seen, [
      "A [host->vm] proxy_on_request_headers(2, 4, 1)",
      "A [host<-vm] proxy_on_request_headers return: 0",
      "B [host->vm] proxy_on_queue_ready(1, 1)",
      "B [host<-vm] proxy_on_queue_ready return: void",
    ]);
    assert.equal(b.sharedQueueSize("q"), 0);
  });
});

describe("check 27: ticks and the clock", () => {
  const body = `(func (export "proxy_on_context_create") (param i32 i32))
    (func (export "proxy_on_vm_start") (param i32 i32) (result i32)
      (call $st (call $proxy_set_tick_period_milliseconds (i32.const 100))) (i32.const 1))
    (func (export "proxy_on_tick") (param $r i32)
      (call $st (local.get $r))
      (drop (call $proxy_get_current_time_nanoseconds (i32.const 64)))
      (drop (call $wasi_clock_time_get (i32.const 0) (i64.const 1) (i32.const 72)))
      (i64.store (i32.const 80) (i64.div_u (i64.load (i32.const 64)) (i64.const 1000000)))
      (call $st (i32.wrap_i64 (i64.rem_u (i64.load (i32.const 80)) (i64.const 100000))))
      (call $st (i64.eq (i64.load (i32.const 64)) (i64.load (i32.const 72)))))
    (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
      (call $st (call $proxy_set_tick_period_milliseconds (i32.const 0))) (i32.const 0))`;
  const spec = { imports: ["proxy_set_tick_period_milliseconds", "proxy_get_current_time_nanoseconds"], wasi: ["clock_time_get"], body };

  test("virtual clock: ticks fire as time advances, with the time the plugin reads", async () => {
    const host = await startProbe(spec, { clockStart: Date.UTC(2025, 0, 1, 0, 0, 0) });
    assert.equal(host.tickPeriod(), 100);
    host.clearLogs();
    host.advanceClock(99);
    assert.deepEqual(host.logs("info", "worker"), []);
    host.advanceClock(1);
    assert.deepEqual(host.logs("info", "worker"), ["1", "100", "1"]);
    host.advanceClock(250);
    assert.deepEqual(host.logs("info", "worker").slice(3), ["1", "200", "1", "1", "300", "1"]);
    assert.equal(host.now().getTime(), Date.UTC(2025, 0, 1) + 350);
    assert.equal(host.tick(), true);
    assert.equal(host.now().getTime(), Date.UTC(2025, 0, 1) + 400);
  });

  test("a stream context sets its root's timer; 0 disables it", async () => {
    const host = await startProbe(spec);
    host.http().request({});
    assert.equal(host.tickPeriod(), 0);
    host.clearLogs();
    host.advanceClock(1000);
    assert.deepEqual(host.logs("info", "worker"), []);
    assert.equal(host.tick(), false);
  });

  test("the timer is re-armed with the period the plugin sets inside on_tick", async () => {
    const rec = recorder();
    const host = await startProbe(
      {
        imports: ["proxy_set_tick_period_milliseconds"],
        body: `(func (export "proxy_on_vm_start") (param i32 i32) (result i32)
            (drop (call $proxy_set_tick_period_milliseconds (i32.const 10))) (i32.const 1))
          (func (export "proxy_on_tick") (param i32) (drop (call $proxy_set_tick_period_milliseconds (i32.const 50))))`,
      },
      { trace: rec.sink },
    );
    host.advanceClock(100);
    assert.equal(calls(rec.lines).filter((c) => c === "proxy_on_tick(1)").length, 2, "at 10 ms and 60 ms");
  });
});

describe("check 28: metrics", () => {
  const body = `(func (export "proxy_on_vm_start") (param i32 i32) (result i32)
      (call $st (call $proxy_define_metric (i32.const 0) (i32.const 256) (i32.const 1) (i32.const 64)))
      (call $st (i32.load (i32.const 64)))
      (call $st (call $proxy_define_metric (i32.const 1) (i32.const 257) (i32.const 1) (i32.const 64)))
      (call $st (i32.load (i32.const 64)))
      (call $st (call $proxy_define_metric (i32.const 2) (i32.const 258) (i32.const 1) (i32.const 64)))
      (call $st (i32.load (i32.const 64)))
      (call $st (call $proxy_define_metric (i32.const 0) (i32.const 256) (i32.const 1) (i32.const 64)))
      (call $st (i32.load (i32.const 64)))
      (call $st (call $proxy_define_metric (i32.const 3) (i32.const 256) (i32.const 1) (i32.const 64)))
      ;; counter 4: +5, 0 and -1 rejected, record adds 2
      (call $st (call $proxy_increment_metric (i32.const 4) (i64.const 5)))
      (call $st (call $proxy_increment_metric (i32.const 4) (i64.const 0)))
      (call $st (call $proxy_increment_metric (i32.const 4) (i64.const -1)))
      (call $st (call $proxy_record_metric (i32.const 4) (i64.const 2)))
      (call $st (call $proxy_increment_metric (i32.const 8) (i64.const 1)))
      ;; gauge 5: record 10, increment -3
      (call $st (call $proxy_record_metric (i32.const 5) (i64.const 10)))
      (call $st (call $proxy_increment_metric (i32.const 5) (i64.const -3)))
      ;; histogram 6: record ok, increment and get rejected
      (call $st (call $proxy_record_metric (i32.const 6) (i64.const 42)))
      (call $st (call $proxy_increment_metric (i32.const 6) (i64.const 1)))
      (call $st (call $proxy_get_metric (i32.const 6) (i32.const 64)))
      ;; unknown ids
      (call $st (call $proxy_increment_metric (i32.const 12) (i64.const 1)))
      (call $st (call $proxy_record_metric (i32.const 13) (i64.const 1)))
      (call $st (call $proxy_get_metric (i32.const 16) (i32.const 64)))
      (call $st (call $proxy_get_metric (i32.const 4) (i32.const 64)))
      (call $st (i32.wrap_i64 (i64.load (i32.const 64))))
      (i32.const 1))`;

  test("ids encode the type; Envoy's rules per type; values by name", async () => {
    const host = await startProbe({
      imports: ["proxy_define_metric", "proxy_increment_metric", "proxy_record_metric", "proxy_get_metric"],
      data: [[256, "cgh"]],
      body,
    },
    // One VM: the canary's increments would count too (stats are process-wide).
    { canary: false });
    assert.deepEqual(host.logs("info", "worker"), [
      "0", "4", "0", "5", "0", "6", "0", "8", "2",
      "0", "2", "2", "0", "0",
      "0", "0",
      "0", "2", "2",
      "1", "1", "1", "0", "8",
    ]);
    assert.equal(host.metric("c"), 8, "counter c: 5 + 2 + 1 (ids 4 and 8 name the same stat)");
    assert.equal(host.metric("wasmcustom.g"), 7);
    assert.deepEqual(host.histogram("h"), [42]);
    assert.equal(host.metric("nope"), undefined);
  });
});

describe("check 29: logging", () => {
  test("levels 0..5 captured per level (at or above the host level); > 5 BAD_ARGUMENT; fd_write stdout/stderr", async () => {
    const host = await startProbe(
      {
        imports: ["proxy_get_log_level"],
        wasi: ["fd_write"],
        data: [
          [256, "msg"],
          [272, "to stdout\\n"],
          [288, "to stderr"],
        ],
        body: `(func $w (param $fd i32) (param $p i32) (param $n i32)
            (i32.store (i32.const 300) (local.get $p)) (i32.store (i32.const 304) (local.get $n))
            (call $st (call $wasi_fd_write (local.get $fd) (i32.const 300) (i32.const 1) (i32.const 308))))
          (func (export "proxy_on_vm_start") (param i32 i32) (result i32)
            (local $l i32)
            (loop $each
              (drop (call $proxy_log (local.get $l) (i32.const 256) (i32.const 3)))
              (local.set $l (i32.add (local.get $l) (i32.const 1)))
              (br_if $each (i32.lt_u (local.get $l) (i32.const 6))))
            (call $st (call $proxy_log (i32.const 6) (i32.const 256) (i32.const 3)))
            (call $w (i32.const 1) (i32.const 272) (i32.const 10))
            (call $w (i32.const 2) (i32.const 288) (i32.const 9))
            (call $w (i32.const 3) (i32.const 288) (i32.const 9))
            (i32.const 1))`,
      },
      { logLevel: "debug" },
    );
    assert.deepEqual(host.logs("trace"), []);
    // Each level twice: the configuration canary's on_vm_start, then the worker's.
    assert.deepEqual(host.logs("debug"), ["msg", "msg"]);
    assert.deepEqual(host.logs("warn", "worker"), ["msg"]);
    assert.deepEqual(host.logs("critical", "canary"), ["msg"]);
    assert.deepEqual(host.logs("error"), ["msg", "to stderr", "msg", "to stderr"]);
    assert.deepEqual(host.logs("info", "worker"), ["msg", "2", "to stdout", "0", "0", "8"]);
    assert.deepEqual(host.logEntries().filter((e) => e.level === "info").map((e) => e.vm), [...Array(6).fill("canary"), ...Array(6).fill("worker")]);
  });
});
