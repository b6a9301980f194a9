// docs/abi.md §9 checks 30–31: properties (NUL-joined paths, typed encodings, well-known attributes,
// set_property) and foreign functions.

import assert from "node:assert/strict";
import { deflateSync } from "node:zlib";
import { describe, test } from "node:test";
import type { ProxyWasmHost } from "../../scripts/host/index.ts";
import { allocCalls, startProbe } from "../../testkit/probe.ts";

const enc = (s: string) => s.replace(/\0/g, "\\00");

/** Reads the (ptr, size) output stored at `slot` after the calls ran. */
function out(host: ProxyWasmHost, slot: number): Buffer {
  const mem = host.memorySnapshot();
  const ptr = mem.readUInt32LE(slot);
  return mem.subarray(ptr, ptr + mem.readUInt32LE(slot + 4));
}

/** get_property for each path into slots 1024, 1032, …; logs each status. */
function getAll(paths: string[], callback = "proxy_on_response_headers") {
  let at = 2048;
  const data: Array<[number, string]> = [];
  const code = paths.map((p, i) => {
    data.push([at, enc(p)]);
    const line = `(call $st (call $proxy_get_property (i32.const ${at}) (i32.const ${Buffer.byteLength(p)}) (i32.const ${1024 + 8 * i}) (i32.const ${1028 + 8 * i})))`;
    at += Buffer.byteLength(p) + 8;
    return line;
  });
  return {
    imports: ["proxy_get_property", "proxy_set_property"],
    data,
    body: `(func (export "${callback}") (param i32 i32 i32) (result i32) ${code.join("\n")} (i32.const 0))`,
  };
}

describe("check 30: properties", () => {
  test("well-known attributes come from the simulated request, with Envoy's encodings", async () => {
    const host = await startProbe(
      getAll([
        "request\0path",
        "request\0url_path",
        "request\0method",
        "request\0headers\0user-agent",
        "request\0headers",
        "source\0address",
        "source\0port",
        "plugin_root_id",
        "plugin_vm_id",
        "response\0code",
        "request\0time",
        "connection\0mtls",
        "request\0headers\0absent",
        "nope",
      ]),
      { rootId: "my_root", vmId: "vm1", connection: { sourceAddress: "10.0.0.7", sourcePort: 4242 }, clockStart: 1_700_000_000_000 },
    );
    host
      .http()
      .request({ headers: { ":path": "/a/b?x=1", ":method": "POST", "user-agent": "curl/8", "x-dup": "1" } })
      .callOnResponseHeaders({ ":status": "201" });
    assert.deepEqual(host.logs("info", "worker"), ["0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "1", "1"]);
    assert.equal(out(host, 1024).toString(), "/a/b?x=1");
    assert.equal(out(host, 1032).toString(), "/a/b");
    assert.equal(out(host, 1040).toString(), "POST");
    assert.equal(out(host, 1048).toString(), "curl/8");
    const headers = out(host, 1056);
    assert.equal(headers.readUInt32LE(0), 6, "a pairs-serialized map of all request headers");
    assert.ok(headers.includes(Buffer.from("x-dup\x001\x00")));
    assert.equal(out(host, 1064).toString(), "10.0.0.7:4242");
    assert.equal(out(host, 1072).readBigInt64LE(), 4242n, "int64, 8 bytes LE");
    assert.equal(out(host, 1080).toString(), "my_root");
    assert.equal(out(host, 1088).toString(), "vm1");
    assert.equal(out(host, 1096).readBigInt64LE(), 201n);
    assert.equal(out(host, 1104).readBigInt64LE(), 1_700_000_000_000_000_000n, "timestamp in ns");
    assert.deepEqual([...out(host, 1112)], [0], "bool, one byte");
  });

  test("fixtures: typed values, dotted or NUL-joined paths, maps walked by later segments; they override", async () => {
    const host = await startProbe(
      getAll(["source\0port", "node\0id", "node\0metadata\0region", "a.b\0c", "flag", "ratio", "ts", "list\x001", "plugin_root_id", "big"], "proxy_on_request_headers"),
      {
        rootId: "real",
        properties: {
          "source.port": 8080,
          "node.id": "sidecar~1",
          "node.metadata": { map: { region: "eu", zone: "a" } },
          flag: true,
          ratio: { double: 0.5 },
          ts: new Date(1000),
          list: { list: ["x", "y"] },
          plugin_root_id: "fixture",
          big: { uint64: 2n ** 64n - 1n },
        },
      },
    );
    host.setProperty(["a.b", "c"], "dotted segment");
    host.http().request({});
    assert.deepEqual(host.logs("info", "worker"), ["0", "0", "0", "0", "0", "0", "0", "0", "0", "0"]);
    assert.equal(out(host, 1024).readBigInt64LE(), 8080n);
    assert.equal(out(host, 1032).toString(), "sidecar~1");
    assert.equal(out(host, 1040).toString(), "eu");
    assert.equal(out(host, 1048).toString(), "dotted segment");
    assert.deepEqual([...out(host, 1056)], [1]);
    assert.equal(out(host, 1064).readDoubleLE(), 0.5);
    assert.equal(out(host, 1072).readBigInt64LE(), 1_000_000_000n);
    assert.equal(out(host, 1080).toString(), "y");
    assert.equal(out(host, 1088).toString(), "fixture");
    assert.equal(out(host, 1096).readBigUInt64LE(), 2n ** 64n - 1n);
  });

  test("the root context has no stream attributes; plugin attributes everywhere", async () => {
    const host = await startProbe(
      {
        imports: ["proxy_get_property"],
        data: [
          [2048, enc("request\0path")],
          [2064, "plugin_name"],
        ],
        body: `(func (export "proxy_on_vm_start") (param i32 i32) (result i32)
          (call $st (call $proxy_get_property (i32.const 2048) (i32.const 12) (i32.const 1024) (i32.const 1028)))
          (call $st (call $proxy_get_property (i32.const 2064) (i32.const 11) (i32.const 1032) (i32.const 1036)))
          (i32.const 1))`,
      },
      { rootId: "r", pluginName: "the-plugin" },
    );
    assert.deepEqual(host.logs("info", "worker"), ["1", "0"]);
    assert.equal(out(host, 1032).toString(), "the-plugin");
  });

  test("set_property: NOT_FOUND on the root; a single-segment path round-trips on a stream", async () => {
    const host = await startProbe({
      imports: ["proxy_get_property", "proxy_set_property"],
      data: [
        [2048, "mykey"],
        [2064, enc("my\0key")],
        [2080, "value"],
      ],
      body: `(func (export "proxy_on_vm_start") (param i32 i32) (result i32)
          (call $st (call $proxy_set_property (i32.const 2048) (i32.const 5) (i32.const 2080) (i32.const 5)))
          (i32.const 1))
        (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
          (call $st (call $proxy_set_property (i32.const 2048) (i32.const 5) (i32.const 2080) (i32.const 5)))
          (call $st (call $proxy_set_property (i32.const 2064) (i32.const 6) (i32.const 2080) (i32.const 5)))
          (i32.const 0))
        (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32)
          (call $st (call $proxy_get_property (i32.const 2048) (i32.const 5) (i32.const 1024) (i32.const 1028)))
          (call $logout (i32.const 1024))
          (call $st (call $proxy_get_property (i32.const 2064) (i32.const 6) (i32.const 1032) (i32.const 1036)))
          (i32.const 0))`,
    });
    host.http().request({}).response({});
    assert.deepEqual(host.logs("info", "worker"), ["1", "0", "0", "0", "value", "1"]);
  });
});

describe("check 31: foreign functions", () => {
  const call = (name: number, len: number, args: number, argsLen: number, resPtr: number) =>
    `(call $st (call $proxy_call_foreign_function (i32.const ${name}) (i32.const ${len}) (i32.const ${args}) (i32.const ${argsLen})
      (i32.const ${resPtr}) (i32.const ${resPtr === 0 ? 0 : resPtr + 4})))`;

  test("registered functions run with the args; results come from the module allocator; unknown ⇒ NOT_FOUND", async () => {
    const seen: string[] = [];
    const host = await startProbe(
      {
        imports: ["proxy_call_foreign_function"],
        data: [
          [2048, "reverse"],
          [2064, "abc"],
          [2080, "missing"],
          [2096, "status"],
        ],
        body: `(func (export "proxy_on_vm_start") (param i32 i32) (result i32)
          ${call(2048, 7, 2064, 3, 1024)}
          (call $logout (i32.const 1024))
          (call $st (i32.load (i32.const 8)))
          ${call(2048, 7, 2064, 3, 0)}
          (call $st (i32.load (i32.const 8)))
          ${call(2080, 7, 2064, 3, 1032)}
          ${call(2096, 6, 2064, 0, 1040)}
          (i32.const 1))`,
      },
      {
        foreignFunctions: {
          reverse: (args) => {
            seen.push(args.toString());
            return Buffer.from([...args].reverse());
          },
          status: () => ({ status: 12 }),
        },
      },
    );
    assert.deepEqual(host.logs("info", "worker"), ["0", "cba", "1", "0", "1", "1", "12"]);
    assert.deepEqual(seen, ["abc", "abc", "abc", "abc"], "called by the canary, then by the worker");
  });

  test("Envoy's compress/uncompress are built in; bad input to uncompress is SERIALIZATION_FAILURE", async () => {
    const compressed = deflateSync("hello hello hello");
    const host = await startProbe({
      imports: ["proxy_call_foreign_function"],
      data: [
        [2048, "uncompress"],
        [2064, [...compressed].map((b) => "\\" + b.toString(16).padStart(2, "0")).join("")],
      ],
      body: `(func (export "proxy_on_vm_start") (param i32 i32) (result i32)
          ${call(2048, 10, 2064, compressed.length, 1024)}
          (call $logout (i32.const 1024))
          ${call(2048, 10, 2048, 10, 1032)}
          (i32.const 1))`,
    });
    assert.deepEqual(host.logs("info", "worker"), ["0", "hello hello hello", "3"]);
  });

  test("on_foreign_function(root, id, size) with the arguments in buffer 8", async () => {
    const host = await startProbe({
      imports: ["proxy_get_buffer_bytes"],
      body: `(func (export "proxy_on_foreign_function") (param $r i32) (param $id i32) (param $n i32)
          (call $st (local.get $r)) (call $st (local.get $id)) (call $st (local.get $n))
          (call $st (call $proxy_get_buffer_bytes (i32.const 8) (i32.const 0) (local.get $n) (i32.const 1024) (i32.const 1028)))
          (call $logout (i32.const 1024)))`,
    });
    host.callOnForeignFunction(3, "payload");
    assert.deepEqual(host.logs("info", "worker"), ["1", "3", "7", "0", "payload"]);
    assert.equal(allocCalls(host), 1);
  });
});
