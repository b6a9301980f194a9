// docs/abi.md §9 checks 1–6: ABI marker, version-specific imports, link failures, allocator lookup,
// callback signatures, start functions and restricted hostcalls.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ProxyWasmHost } from "../../scripts/host/index.ts";
import { allocCalls, calls, probe, recorder, startProbe } from "../../testkit/probe.ts";
import { wat } from "../../testkit/wat.ts";

describe("check 1: ABI marker", () => {
  test("a module without a proxy_abi_version_* function export is rejected", async () => {
    const host = await startProbe({ abi: null, body: "" });
    assert.equal(host.failState, "UnableToInitializeCode");
    assert.equal(host.failMessage, "Missing or unknown Proxy-Wasm ABI version");
    assert.equal(host.abiVersion, null);
  });

  test("a marker exported as a global does not count", async () => {
    const host = await startProbe({ abi: null, body: `(global (export "proxy_abi_version_0_2_1") i32 (i32.const 0))` });
    assert.equal(host.failMessage, "Missing or unknown Proxy-Wasm ABI version");
  });

  test("the first marker in export order wins", async () => {
    const first020 = await startProbe({ abi: "0_2_0", body: `(func (export "proxy_abi_version_0_2_1"))` });
    assert.equal(first020.abiVersion, "0.2.0");
    const first021 = await startProbe({ abi: "0_2_1", body: `(func (export "proxy_abi_version_0_2_0"))` });
    assert.equal(first021.abiVersion, "0.2.1");
    const only010 = await startProbe({ abi: "0_1_0", body: "" });
    assert.equal(only010.abiVersion, "0.1.0");
  });

  test("bytes that are not wasm fail as a corrupted module; cpp-host adds \"Failed to load Wasm code\"", async () => {
    const host = await ProxyWasmHost.start({ wasm: Buffer.from("not wasm at all") });
    assert.equal(host.failState, "UnableToInitializeCode");
    assert.equal(host.failMessage, "Failed to parse corrupted Wasm module");
    assert.deepEqual(host.hostMessages(), ["Failed to parse corrupted Wasm module", "Failed to load Wasm code"]);
  });
});

describe("check 2: version-specific imports", () => {
  test("0.2.0 importing proxy_get_log_level fails to link", async () => {
    const host = await startProbe({ abi: "0_2_0", imports: ["proxy_get_log_level"], body: "" });
    assert.equal(host.failState, "UnableToInitializeCode");
    assert.equal(host.failMessage, "Failed to load Wasm module due to a missing import: env.proxy_get_log_level");
  });

  test("0.2.1 importing proxy_clear_route_cache fails to link", async () => {
    const host = await startProbe({ abi: "0_2_1", imports: ["proxy_clear_route_cache"], body: "" });
    assert.equal(host.failMessage, "Failed to load Wasm module due to a missing import: env.proxy_clear_route_cache");
  });

  test("0.1.0 gets its own calls and not 0.2.x ones", async () => {
    const ok = await startProbe({
      abi: "0_1_0",
      imports: ["proxy_get_configuration", "proxy_continue_request", "proxy_continue_response", "proxy_clear_route_cache"],
      body: "",
    });
    assert.equal(ok.failState, "Ok", ok.failMessage);
    const bad = await startProbe({ abi: "0_1_0", imports: ["proxy_continue_stream"], body: "" });
    assert.equal(bad.failMessage, "Failed to load Wasm module due to a missing import: env.proxy_continue_stream");
  });

  test("0.2.1 has proxy_get_log_level, returning the host's level", async () => {
    const host = await startProbe(
      {
        imports: ["proxy_get_log_level"],
        body: `(func (export "proxy_on_vm_start") (param i32 i32) (result i32)
          (call $st (call $proxy_get_log_level (i32.const 64)))
          (call $st (i32.load (i32.const 64)))
          (i32.const 1))`,
      },
      { logLevel: "info" },
    );
    assert.deepEqual(host.logs("info", "worker"), ["0", "2"]);
  });

  test("0.2.0 and 0.2.1 both have continue_stream and close_stream", async () => {
    for (const abi of ["0_2_0", "0_2_1"] as const) {
      const host = await startProbe({ abi, imports: ["proxy_continue_stream", "proxy_close_stream"], body: "" });
      assert.equal(host.failState, "Ok", host.failMessage);
    }
  });
});

describe("check 3: unknown imports, type mismatches, imported globals", () => {
  for (const [module, name] of [
    ["env", "abort"],
    ["env", "seed"],
    ["env", "Date.now"],
    ["env", "trace"],
    ["wasi_snapshot_preview1", "sock_open"],
  ]) {
    test(`${module}.${name} is a missing import`, async () => {
      const host = await startProbe({ rawImports: `(import "${module}" "${name}" (func (param i32)))`, body: "" });
      assert.equal(host.failState, "UnableToInitializeCode");
      assert.equal(host.failMessage, `Failed to load Wasm module due to a missing import: ${module}.${name}`);
    });
  }

  test("an import with the wrong type fails with both signatures", async () => {
    const host = await startProbe({
      rawImports: `(import "env" "proxy_get_header_map_size" (func (param i32) (result i32)))`,
      body: "",
    });
    assert.equal(
      host.failMessage,
      "Failed to load Wasm module due to an import type mismatch: env.proxy_get_header_map_size, want: i32 -> i32, but host exports: i32 i32 -> i32",
    );
  });

  test("i64 parameters are part of the type (proxy_increment_metric)", async () => {
    const host = await startProbe({
      rawImports: `(import "env" "proxy_increment_metric" (func (param i32 i32) (result i32)))`,
      body: "",
    });
    assert.match(host.failMessage, /import type mismatch: env.proxy_increment_metric, want: i32 i32 -> i32, but host exports: i32 i64 -> i32/);
  });

  test("WASI path_link with the WASI p1 arity does not link (cpp-host declares 6 params)", async () => {
    const host = await startProbe({
      rawImports: `(import "wasi_snapshot_preview1" "path_link" (func (param i32 i32 i32 i32 i32 i32 i32) (result i32)))`,
      body: "",
    });
    assert.match(host.failMessage, /import type mismatch: wasi_snapshot_preview1.path_link/);
  });

  test("an imported global fails like a missing import", async () => {
    const host = await startProbe({ rawImports: `(import "env" "g" (global i32))`, body: "" });
    assert.equal(host.failMessage, "Failed to load Wasm module due to a missing import: env.g");
    assert.deepEqual(host.hostMessages(), ["Failed to load Wasm module due to a missing import: env.g", "Failed to initialize Wasm code"]);
  });

  test("an imported memory is created by the host (capped at 1 GiB) and used for hostcalls", async () => {
    const bytes = await wat(`(module
      (import "env" "proxy_log" (func $log (param i32 i32 i32) (result i32)))
      (import "env" "memory" (memory 1))
      (data (i32.const 100) "imported")
      (func (export "proxy_abi_version_0_2_1"))
      (func (export "malloc") (param i32) (result i32) (i32.const 4096))
      (func (export "proxy_on_vm_start") (param i32 i32) (result i32)
        (drop (call $log (i32.const 2) (i32.const 100) (i32.const 8)))
        (i32.const 1)))`);
    const host = await ProxyWasmHost.start({ wasm: bytes });
    assert.equal(host.failState, "Ok", host.failMessage);
    assert.deepEqual(host.logs("info", "worker"), ["imported"]);
    assert.equal(host.memoryPages(), 1);
  });

  test("WASI is available under both wasi_snapshot_preview1 and wasi_unstable", async () => {
    const host = await startProbe({
      rawImports: `(import "wasi_unstable" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))`,
      body: "",
    });
    assert.equal(host.failState, "Ok", host.failMessage);
  });
});

describe("check 4: allocator", () => {
  test("no malloc and no proxy_on_memory_allocate is a missing function; cpp-host adds \"Failed to initialize Wasm code\"", async () => {
    const host = await startProbe({ allocator: "none", body: "" });
    assert.equal(host.failState, "MissingFunction");
    assert.equal(host.failMessage, "Wasm module is missing malloc function.");
    assert.deepEqual(host.hostMessages(), ["Wasm module is missing malloc function.", "Failed to initialize Wasm code"]);
  });

  test("without an allocator the module is still started (_initialize, then main) before the VM fails", async () => {
    const rec = recorder();
    const host = await startProbe(
      {
        allocator: "none",
        data: [[256, "started"]],
        body: `(func (export "_initialize") (call $logmem (i32.const 256) (i32.const 7)))
          (func (export "main") (param i32 i32) (result i32) (call $st (i32.const 42)) (i32.const 0))
          (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))`,
      },
      { trace: rec.sink },
    );
    assert.equal(host.failState, "MissingFunction");
    assert.deepEqual(host.logs(), ["started", "42"], "the start-up side effects happened, in the base VM only");
    assert.deepEqual(host.logEntries().map((e) => e.vm), ["base", "base"]);
    assert.deepEqual(
      rec.lines.filter((l) => l.startsWith("[base] [host->vm]")).map((l) => l.slice(18)),
      ["_initialize()", "main(0, 0)"],
    );
    assert.equal(host.http().request({}).localResponse?.statusCode, 503, "no plugin: fail-closed");
  });

  test("a callback of the wrong type fails the module after it was started, like cpp-host's getFunctions", async () => {
    const host = await startProbe({
      data: [[256, "started"]],
      body: `(func (export "_initialize") (call $logmem (i32.const 256) (i32.const 7)))
        (func (export "proxy_on_tick") (param i32 i32))`,
    });
    assert.equal(host.failState, "UnableToInitializeCode");
    assert.match(host.failMessage, /^Bad function signature for: proxy_on_tick/);
    assert.deepEqual(host.logs(), ["started"]);
    assert.equal(host.hostMessages().at(-1), "Failed to initialize Wasm code");
  });

  const twoAllocators = `
    (func (export "malloc") (param i32) (result i32)
      (i32.store (i32.const 8) (i32.add (i32.load (i32.const 8)) (i32.const 1))) (i32.const 4096))
    (func (export "proxy_on_memory_allocate") (param i32) (result i32)
      (i32.store (i32.const 12) (i32.add (i32.load (i32.const 12)) (i32.const 1))) (i32.const 8192))
    (func (export "proxy_on_vm_start") (param i32 i32) (result i32)
      (call $st (call $proxy_get_buffer_bytes (i32.const 6) (i32.const 0) (i32.const 100) (i32.const 64) (i32.const 68)))
      (call $st (i32.eq (i32.load (i32.const 64)) (i32.const 4096)))
      (i32.const 1))`;

  test("malloc is preferred when both are exported", async () => {
    const host = await startProbe(
      { allocator: "none", imports: ["proxy_get_buffer_bytes"], body: twoAllocators },
      { vmConfiguration: "vm" },
    );
    assert.deepEqual(host.logs("info", "worker"), ["0", "1"]);
    const mem = host.memorySnapshot();
    assert.equal(mem.readUInt32LE(8), 1, "malloc called once");
    assert.equal(mem.readUInt32LE(12), 0, "proxy_on_memory_allocate never called");
  });

  test("proxy_on_memory_allocate is used when malloc is absent", async () => {
    const host = await startProbe(
      {
        allocator: "proxy_on_memory_allocate",
        imports: ["proxy_get_buffer_bytes"],
        body: `(func (export "proxy_on_vm_start") (param i32 i32) (result i32)
          (call $st (call $proxy_get_buffer_bytes (i32.const 6) (i32.const 0) (i32.const 100) (i32.const 64) (i32.const 68)))
          (call $logout (i32.const 64))
          (i32.const 1))`,
      },
      { vmConfiguration: "vm-config" },
    );
    assert.deepEqual(host.logs("info", "worker"), ["0", "vm-config"]);
    assert.equal(allocCalls(host), 1);
  });
});

describe("check 5: callback signatures", () => {
  test("a 2-parameter proxy_on_request_headers in a 0.2.1 module is rejected", async () => {
    const host = await startProbe({
      body: `(func (export "proxy_on_request_headers") (param i32 i32) (result i32) (i32.const 0))`,
    });
    assert.equal(host.failState, "UnableToInitializeCode");
    assert.equal(
      host.failMessage,
      "Bad function signature for: proxy_on_request_headers, want: i32 i32 i32 -> i32, but the module exports: i32 i32 -> i32",
    );
  });

  test("the same 2-parameter callback is right for 0.1.0 and gets (context, headers)", async () => {
    const rec = recorder();
    const host = await startProbe(
      { abi: "0_1_0", body: `(func (export "proxy_on_request_headers") (param i32 i32) (result i32) (i32.const 0))` },
      { trace: rec.sink },
    );
    assert.equal(host.failState, "Ok", host.failMessage);
    host.http().request({ headers: { a: "1" } });
    assert.ok(calls(rec.lines).includes("proxy_on_request_headers(2, 5)"), calls(rec.lines).join("\n"));
  });

  test("a void proxy_on_vm_start is rejected", async () => {
    const host = await startProbe({ body: `(func (export "proxy_on_vm_start") (param i32 i32))` });
    assert.equal(
      host.failMessage,
      "Bad function signature for: proxy_on_vm_start, want: i32 i32 -> i32, but the module exports: i32 i32 -> void",
    );
  });

  test("a wrong allocator signature is rejected", async () => {
    const host = await startProbe({ allocator: "none", body: `(func (export "malloc") (param i32 i32) (result i32) (i32.const 0))` });
    assert.match(host.failMessage, /^Bad function signature for: malloc, want: i32 -> i32/);
  });

  test("proxy_on_foreign_function is not looked up for 0.1.0, so its signature does not matter there", async () => {
    const body = `(func (export "proxy_on_foreign_function") (param i32))`;
    assert.equal((await startProbe({ abi: "0_1_0", body })).failState, "Ok");
    assert.match((await startProbe({ abi: "0_2_1", body })).failMessage, /Bad function signature for: proxy_on_foreign_function/);
  });
});

describe("check 6: start functions and restricted hostcalls", () => {
  test("_initialize then main(0, 0); _start is ignored", async () => {
    const rec = recorder();
    await startProbe(
      {
        body: `(func (export "_initialize")) (func (export "main") (param i32 i32) (result i32) (i32.const 0))
          (func (export "_start"))`,
      },
      { trace: rec.sink },
    );
    assert.deepEqual(calls(rec.lines).slice(0, 2), ["_initialize()", "main(0, 0)"]);
    assert.ok(!calls(rec.lines).includes("_start()"));
  });

  test("__main_void when there is no main", async () => {
    const rec = recorder();
    await startProbe(
      { body: `(func (export "_initialize")) (func (export "__main_void") (result i32) (i32.const 0))` },
      { trace: rec.sink },
    );
    assert.deepEqual(calls(rec.lines).slice(0, 2), ["_initialize()", "__main_void()"]);
  });

  test("_start alone is called (WASI command)", async () => {
    const rec = recorder();
    await startProbe({ body: `(func (export "_start"))` }, { trace: rec.sink });
    assert.equal(calls(rec.lines)[0], "_start()");
  });

  test("proxy_log and fd_write are allowed in _initialize (logged on the VM context 0)", async () => {
    const host = await startProbe({
      wasi: ["fd_write"],
      data: [
        [256, "init"],
        [272, "out\\n"],
      ],
      body: `(func (export "_initialize")
          (call $logmem (i32.const 256) (i32.const 4))
          (i32.store (i32.const 300) (i32.const 272)) (i32.store (i32.const 304) (i32.const 4))
          (drop (call $wasi_fd_write (i32.const 1) (i32.const 300) (i32.const 1) (i32.const 308))))`,
    });
    assert.equal(host.failState, "Ok", host.failMessage);
    // Envoy starts the module in its base VM, the configuration canary and the worker: each runs _initialize.
    assert.deepEqual(
      host.logEntries().map((e) => [e.message, e.contextId, e.vm]),
      ["base", "canary", "worker"].flatMap((vm) => [
        ["init", 0, vm],
        ["out", 0, vm],
      ]),
    );
  });

  test("any other hostcall in _initialize traps with restricted_callback", async () => {
    const host = await startProbe({
      imports: ["proxy_set_tick_period_milliseconds"],
      body: `(func (export "_initialize") (drop (call $proxy_set_tick_period_milliseconds (i32.const 10))))`,
    });
    assert.equal(host.failState, "RuntimeError");
    assert.equal(host.failMessage.split("\n")[0], "Function: _initialize failed: Uncaught Error: restricted_callback");
  });

  test("a hostcall inside the allocator traps; the outer call gets INVALID_MEMORY_ACCESS and the VM fails", async () => {
    const host = await startProbe(
      {
        allocator: "none",
        imports: ["proxy_get_buffer_bytes", "proxy_set_tick_period_milliseconds"],
        body: `(func (export "malloc") (param i32) (result i32)
            (drop (call $proxy_set_tick_period_milliseconds (i32.const 10))) (i32.const 4096))
          (func (export "proxy_on_vm_start") (param i32 i32) (result i32)
            (call $st (call $proxy_get_buffer_bytes (i32.const 6) (i32.const 0) (i32.const 100) (i32.const 64) (i32.const 68)))
            (i32.const 1))`,
      },
      { vmConfiguration: "x" },
    );
    assert.deepEqual(host.logs("info"), ["6"]);
    assert.equal(host.failState, "RuntimeError");
    assert.equal(host.failMessage.split("\n")[0], "Function: malloc failed: Uncaught Error: restricted_callback");
  });

  test("proxy_log is allowed inside the allocator", async () => {
    const host = await startProbe(
      {
        allocator: "none",
        imports: ["proxy_get_buffer_bytes"],
        data: [[256, "in malloc"]],
        body: `(func (export "malloc") (param i32) (result i32) (call $logmem (i32.const 256) (i32.const 9)) (i32.const 4096))
          (func (export "proxy_on_vm_start") (param i32 i32) (result i32)
            (call $st (call $proxy_get_buffer_bytes (i32.const 6) (i32.const 0) (i32.const 100) (i32.const 64) (i32.const 68)))
            (i32.const 1))`,
      },
      { vmConfiguration: "x" },
    );
    assert.deepEqual(host.logEntries().filter((e) => e.vm === "worker").map((e) => [e.message, e.contextId]), [
      ["in malloc", 0],
      ["0", 1],
    ]);
    assert.equal(host.failState, "Ok");
  });

  test("a hostcall from a wasm start section fails instantiation", async () => {
    const host = await startProbe({
      data: [[256, "early"]],
      body: `(func $early (call $logmem (i32.const 256) (i32.const 5))) (start $early)`,
    });
    assert.equal(host.failState, "UnableToInitializeCode");
    assert.equal(host.failMessage, "Failed to create new Wasm instance");
  });

  test("a start section without hostcalls is fine (AssemblyScript before --exportStart)", async () => {
    const host = await startProbe({ body: `(func $early (i32.store (i32.const 200) (i32.const 7))) (start $early)` });
    assert.equal(host.failState, "Ok");
    assert.equal(host.memorySnapshot().readUInt32LE(200), 7);
  });
});

test("probes compile (sanity of the kit)", async () => {
  const bytes = await probe({ body: "" });
  assert.ok(WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>));
  assert.ok((await wat("(module)")).length > 0);
});
