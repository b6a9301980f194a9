// docs/abi.md §9 checks 14–21: header-map phase windows, key handling, pairs serialization, zero-length
// outputs, bad pointers, get/set_buffer_bytes semantics, get_header_map_size.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { HeaderMap } from "../../scripts/host/index.ts";
import { allocCalls, bytesData, pairsData, startProbe } from "../../testkit/probe.ts";

const K = [
  [256, "X-Foo"],
  [264, "a"],
  [272, "b"],
  [280, "c"],
  [288, "missing"],
  [300, "new"],
  [308, "empty"],
] as Array<[number, string]>;

const MAPS = [
  "proxy_get_header_map_value",
  "proxy_add_header_map_value",
  "proxy_replace_header_map_value",
  "proxy_remove_header_map_value",
  "proxy_get_header_map_pairs",
  "proxy_set_header_map_pairs",
  "proxy_get_header_map_size",
];

/** Calls each map operation on `map`, logging its status (get, add, replace, remove, pairs, set, size). */
function everyMapCall(map: number): string {
  return `
    (call $st (call $proxy_get_header_map_value (i32.const ${map}) (i32.const 264) (i32.const 1) (i32.const 64) (i32.const 68)))
    (call $st (call $proxy_add_header_map_value (i32.const ${map}) (i32.const 264) (i32.const 1) (i32.const 272) (i32.const 1)))
    (call $st (call $proxy_replace_header_map_value (i32.const ${map}) (i32.const 264) (i32.const 1) (i32.const 272) (i32.const 1)))
    (call $st (call $proxy_remove_header_map_value (i32.const ${map}) (i32.const 264) (i32.const 1)))
    (call $st (call $proxy_get_header_map_pairs (i32.const ${map}) (i32.const 64) (i32.const 68)))
    (call $st (call $proxy_set_header_map_pairs (i32.const ${map}) (i32.const 0) (i32.const 0)))
    (call $st (call $proxy_get_header_map_size (i32.const ${map}) (i32.const 64)))`;
}

describe("check 14: header map phase windows", () => {
  test("request headers are readable/writable in on_request_headers, not in on_request_body", async () => {
    const host = await startProbe({
      imports: MAPS,
      data: K,
      body: `(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) ${everyMapCall(0)} (i32.const 0))
        (func (export "proxy_on_request_body") (param i32 i32 i32) (result i32) ${everyMapCall(0)} (i32.const 0))`,
    });
    host.http().request({ headers: { a: "1" }, body: "x" });
    const [inHeaders, inBody] = [host.logs("info", "worker").slice(0, 7), host.logs("info", "worker").slice(7)];
    assert.deepEqual(inHeaders, ["0", "0", "0", "0", "0", "0", "0"]);
    // get_value BAD_ARGUMENT, writes BAD_ARGUMENT, get_pairs OK (empty), size BAD_ARGUMENT.
    assert.deepEqual(inBody, ["2", "2", "2", "2", "0", "2", "2"]);
  });

  test("get_pairs outside the window is OK with (0, 0)", async () => {
    const host = await startProbe({
      imports: MAPS,
      body: `(func (export "proxy_on_request_body") (param i32 i32 i32) (result i32)
          (i32.store (i32.const 64) (i32.const 99)) (i32.store (i32.const 68) (i32.const 99))
          (call $st (call $proxy_get_header_map_pairs (i32.const 0) (i32.const 64) (i32.const 68)))
          (call $st (i32.load (i32.const 64))) (call $st (i32.load (i32.const 68))) (i32.const 0))`,
    });
    host.http().request({ body: "x" });
    assert.deepEqual(host.logs("info", "worker"), ["0", "0", "0"]);
  });

  test("response headers do not exist yet during on_request_headers", async () => {
    const host = await startProbe({
      imports: MAPS,
      data: K,
      body: `(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) ${everyMapCall(2)} (i32.const 0))`,
    });
    host.http().request({});
    assert.deepEqual(host.logs("info", "worker"), ["2", "2", "2", "2", "0", "2", "2"]);
  });

  test("on_log reads the final maps but cannot write; absent maps there are NOT_FOUND", async () => {
    const host = await startProbe({
      imports: MAPS,
      data: K,
      body: `(func (export "proxy_on_log") (param i32)
          (call $st (call $proxy_get_header_map_value (i32.const 0) (i32.const 264) (i32.const 1) (i32.const 64) (i32.const 68)))
          (call $logout (i32.const 64))
          (call $st (call $proxy_get_header_map_value (i32.const 2) (i32.const 264) (i32.const 1) (i32.const 64) (i32.const 68)))
          (call $logout (i32.const 64))
          (call $st (call $proxy_add_header_map_value (i32.const 0) (i32.const 264) (i32.const 1) (i32.const 272) (i32.const 1)))
          (call $st (call $proxy_get_header_map_value (i32.const 1) (i32.const 264) (i32.const 1) (i32.const 64) (i32.const 68)))
          (call $st (call $proxy_get_header_map_value (i32.const 3) (i32.const 264) (i32.const 1) (i32.const 64) (i32.const 68))))`,
    });
    host.http().request({ headers: { a: "req" } }).response({ headers: { a: "resp" } }).complete();
    assert.deepEqual(host.logs("info", "worker"), ["0", "req", "0", "resp", "2", "1", "1"]);
  });

  test("map type > 7 is BAD_ARGUMENT for every map call", async () => {
    const host = await startProbe({
      imports: MAPS,
      data: K,
      body: `(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) ${everyMapCall(8)} (i32.const 0))`,
    });
    host.http().request({});
    assert.deepEqual(host.logs("info", "worker"), ["2", "2", "2", "2", "2", "2", "2"]);
  });

  test("call-response maps exist only inside on_http_call_response", async () => {
    const headers = pairsData([
      [":method", "GET"],
      [":path", "/"],
      [":authority", "x"],
    ]);
    const host = await startProbe({
      imports: [...MAPS, "proxy_http_call"],
      data: [...K, [512, headers.text], [600, "cluster"]],
      body: `(func (export "proxy_on_vm_start") (param i32 i32) (result i32)
          (drop (call $proxy_http_call (i32.const 600) (i32.const 7) (i32.const 512) (i32.const ${headers.size})
            (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 64)))
          (call $st (call $proxy_get_header_map_value (i32.const 6) (i32.const 264) (i32.const 1) (i32.const 64) (i32.const 68)))
          (i32.const 1))
        (func (export "proxy_on_http_call_response") (param i32 i32 i32 i32 i32)
          (call $st (call $proxy_get_header_map_value (i32.const 6) (i32.const 264) (i32.const 1) (i32.const 64) (i32.const 68)))
          (call $logout (i32.const 64))
          (call $st (call $proxy_add_header_map_value (i32.const 6) (i32.const 264) (i32.const 1) (i32.const 272) (i32.const 1)))
          (call $st (call $proxy_get_header_map_value (i32.const 7) (i32.const 264) (i32.const 1) (i32.const 64) (i32.const 68)))
          (call $logout (i32.const 64)))`,
    });
    host.resolveHttpCall(4, { headers: { a: "h" }, trailers: { a: "t" } });
    assert.deepEqual(host.logs("info", "worker"), ["2", "0", "h", "2", "0", "t"]);
  });
});

describe("check 14: trailers created at the end of the body", () => {
  test("on_request_body with end_of_stream and no trailers can add trailers (Envoy addDecodedTrailers)", async () => {
    const host = await startProbe({
      imports: MAPS,
      data: K,
      body: `(func (export "proxy_on_request_body") (param i32) (param i32) (param $eos i32) (result i32)
          (call $st (call $proxy_add_header_map_value (i32.const 1) (i32.const 264) (i32.const 1) (i32.const 272) (i32.const 1)))
          (i32.const 0))`,
    });
    const s = host.http();
    s.callOnRequestHeaders({}, false);
    s.callOnRequestBody("part", false);
    assert.equal(s.requestTrailers, null);
    s.callOnRequestBody("end", true);
    assert.deepEqual(host.logs("info", "worker"), ["2", "0"]);
    assert.deepEqual(s.requestTrailers, [["a", "b"]]);
    assert.equal(s.requestBody.toString(), "partend");
  });
});

describe("check 15: keys, first value, missing, replace, remove", () => {
  const body = `(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
      (call $st (call $proxy_add_header_map_value (i32.const 0) (i32.const 256) (i32.const 5) (i32.const 264) (i32.const 1)))
      (call $st (call $proxy_add_header_map_value (i32.const 0) (i32.const 256) (i32.const 5) (i32.const 272) (i32.const 1)))
      (call $st (call $proxy_get_header_map_value (i32.const 0) (i32.const 256) (i32.const 5) (i32.const 64) (i32.const 68)))
      (call $logout (i32.const 64))
      (call $st (call $proxy_get_header_map_value (i32.const 0) (i32.const 288) (i32.const 7) (i32.const 72) (i32.const 76)))
      (call $st (call $proxy_replace_header_map_value (i32.const 0) (i32.const 300) (i32.const 3) (i32.const 280) (i32.const 1)))
      (call $st (call $proxy_remove_header_map_value (i32.const 0) (i32.const 288) (i32.const 7)))
      (call $st (call $proxy_get_header_map_value (i32.const 0) (i32.const 308) (i32.const 5) (i32.const 80) (i32.const 84)))
      (call $st (i32.load (i32.const 80)))
      (i32.const 0))`;

  test("0.2.x: lower-cased keys, first value, NOT_FOUND for missing, replace adds, remove of absent is OK", async () => {
    const host = await startProbe({ imports: MAPS, data: K, body }, { normalizeHeaders: false });
    const s = host.http();
    s.callOnRequestHeaders({ empty: "" }, true);
    assert.deepEqual(host.logs("info", "worker"), ["0", "0", "0", "a", "1", "0", "0", "0", "0"]);
    assert.deepEqual(s.requestHeaders, [
      ["empty", ""],
      ["x-foo", "a"],
      ["x-foo", "b"],
      ["new", "c"],
    ]);
  });

  test("replace replaces every value of a key", async () => {
    const host = await startProbe(
      {
        imports: MAPS,
        data: K,
        body: `(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
          (call $st (call $proxy_replace_header_map_value (i32.const 0) (i32.const 256) (i32.const 5) (i32.const 280) (i32.const 1)))
          (i32.const 0))`,
      },
      { normalizeHeaders: false },
    );
    const s = host.http();
    s.callOnRequestHeaders([
      ["x-foo", "1"],
      ["other", "2"],
      ["x-foo", "3"],
    ]);
    assert.deepEqual(s.requestHeaders, [
      ["other", "2"],
      ["x-foo", "c"],
    ]);
  });

  test("0.1.0: a missing key is OK with an empty value", async () => {
    const host = await startProbe({ abi: "0_1_0", imports: MAPS, data: K, body: body.replace("(param i32 i32 i32)", "(param i32 i32)") });
    host.http().request({});
    assert.equal(host.logs("info", "worker")[4], "0");
  });
});

describe("check 16: pairs serialization", () => {
  test("get_header_map_pairs writes exactly the 29-byte vector for {a: 1}, {b: 22}", async () => {
    const host = await startProbe(
      {
        imports: MAPS,
        body: `(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
          (call $st (call $proxy_get_header_map_pairs (i32.const 0) (i32.const 64) (i32.const 68)))
          (call $st (i32.load (i32.const 68)))
          (call $logout (i32.const 64))
          (i32.const 0))`,
      },
      { normalizeHeaders: false },
    );
    host.http().callOnRequestHeaders([
      ["a", "1"],
      ["b", "22"],
    ]);
    const [status, size, bytes] = host.logs("info", "worker");
    assert.equal(status, "0");
    assert.equal(size, "29");
    assert.deepEqual(
      Buffer.from(bytes!, "utf8"),
      Buffer.from("020000000100000001000000010000000200000061003100620032320" + "0", "hex"),
    );
  });

  const setPairs = (text: string, size: number) => ({
    imports: MAPS,
    data: [[512, text]] as Array<[number, string]>,
    body: `(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
      (call $st (call $proxy_set_header_map_pairs (i32.const 0) (i32.const 512) (i32.const ${size})))
      (i32.const 0))`,
  });

  test("a valid buffer replaces the map (keys lower-cased)", async () => {
    const p = pairsData([
      ["X-New", "v"],
      [":path", "/p"],
    ]);
    const host = await startProbe(setPairs(p.text, p.size), { normalizeHeaders: false });
    const s = host.http();
    s.callOnRequestHeaders({ old: "1" });
    assert.deepEqual(host.logs("info", "worker"), ["0"]);
    assert.deepEqual(s.requestHeaders, [
      [":path", "/p"],
      ["x-new", "v"],
    ]);
  });

  const bad: Array<[string, Buffer]> = [
    ["truncated", pairsBytes([["a", "1"]]).subarray(0, 14)],
    ["a trailing byte", Buffer.concat([pairsBytes([["a", "1"]]), Buffer.from([0])])],
    ["a missing NUL terminator", Buffer.from(pairsBytes([["a", "1"]]).map((b, i, all) => (i === all.length - 1 ? 0x41 : b)))],
    ["more than 1024 pairs", pairsBytes(Array.from({ length: 1025 }, () => ["k", "v"] as [string, string]))],
    ["a count larger than the buffer", Buffer.from("ffffffff", "hex")],
  ];
  for (const [what, bytes] of bad) {
    test(`a buffer with ${what} decodes to empty: the map is cleared, status OK`, async () => {
      const host = await startProbe(setPairs(bytesData(bytes), bytes.length), { normalizeHeaders: false });
      const s = host.http();
      s.callOnRequestHeaders({ old: "1" });
      assert.deepEqual(host.logs("info", "worker"), ["0"]);
      assert.deepEqual(s.requestHeaders, []);
    });
  }
});

function pairsBytes(pairs: Array<[string, string]>): Buffer {
  const head = Buffer.alloc(4 + 8 * pairs.length);
  head.writeUInt32LE(pairs.length, 0);
  pairs.forEach(([k, v], i) => {
    head.writeUInt32LE(k.length, 4 + 8 * i);
    head.writeUInt32LE(v.length, 8 + 8 * i);
  });
  return Buffer.concat([head, ...pairs.map(([k, v]) => Buffer.from(`${k}\0${v}\0`))]);
}

describe("check 17: zero-length outputs", () => {
  test("empty results are (0, 0) without calling the allocator; non-empty ones call it once each", async () => {
    const host = await startProbe(
      {
        imports: [...MAPS, "proxy_get_buffer_bytes", "proxy_get_property"],
        data: [[256, "plugin_root_id"]],
        body: `(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
          (i32.store (i32.const 64) (i32.const 7)) (i32.store (i32.const 68) (i32.const 7))
          (call $st (call $proxy_get_buffer_bytes (i32.const 6) (i32.const 0) (i32.const 10) (i32.const 64) (i32.const 68)))
          (call $st (i32.add (i32.load (i32.const 64)) (i32.load (i32.const 68))))
          (call $st (call $proxy_get_header_map_pairs (i32.const 2) (i32.const 64) (i32.const 68)))
          (call $st (i32.load (i32.const 8)))
          (call $st (call $proxy_get_header_map_pairs (i32.const 0) (i32.const 64) (i32.const 68)))
          (call $st (call $proxy_get_property (i32.const 256) (i32.const 14) (i32.const 64) (i32.const 68)))
          (call $st (i32.load (i32.const 8)))
          (i32.const 0))`,
      },
      { vmConfiguration: "", rootId: "r" },
    );
    host.http().request({});
    assert.deepEqual(host.logs("info", "worker"), ["0", "0", "0", "0", "0", "0", "2"]);
    assert.equal(allocCalls(host), 2);
  });
});

describe("check 18: bad pointers", () => {
  test("out-of-bounds pointers and sizes are INVALID_MEMORY_ACCESS, never a trap", async () => {
    const host = await startProbe({
      imports: [...MAPS, "proxy_get_buffer_bytes", "proxy_get_log_level"],
      body: `(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
          (call $st (call $proxy_log (i32.const 2) (i32.const 131070) (i32.const 10)))
          (call $st (call $proxy_log (i32.const 2) (i32.const -1) (i32.const 2)))
          (call $st (call $proxy_log (i32.const 2) (i32.const 16) (i32.const -16)))
          (call $st (call $proxy_get_log_level (i32.const 131072)))
          (call $st (call $proxy_get_header_map_pairs (i32.const 0) (i32.const 131070) (i32.const 68)))
          (call $st (call $proxy_get_buffer_bytes (i32.const 6) (i32.const 0) (i32.const 10) (i32.const 64) (i32.const -4)))
          (i32.const 0))`,
    }, { vmConfiguration: "abc" });
    host.http().request({});
    assert.deepEqual(host.logs("info", "worker"), ["6", "6", "6", "6", "6", "6"]);
    assert.equal(host.failState, "Ok");
  });

  for (const [what, ret] of [
    ["0", "0"],
    ["a pointer outside memory", "131070"],
  ]) {
    test(`an allocator returning ${what} makes the call INVALID_MEMORY_ACCESS`, async () => {
      const host = await startProbe(
        {
          allocator: "none",
          imports: ["proxy_get_buffer_bytes"],
          body: `(func (export "malloc") (param i32) (result i32) (i32.const ${ret}))
            (func (export "proxy_on_vm_start") (param i32 i32) (result i32)
              (call $st (call $proxy_get_buffer_bytes (i32.const 6) (i32.const 0) (i32.const 10) (i32.const 64) (i32.const 68)))
              (i32.const 1))`,
        },
        { vmConfiguration: "abcdef" },
      );
      assert.deepEqual(host.logs("info", "worker"), ["6"]);
      assert.equal(host.failState, "Ok");
    });
  }
});

describe("check 19: get_buffer_bytes", () => {
  test("clamps [start, start+max), start beyond the end is OK-empty, type > 8 is BAD_ARGUMENT", async () => {
    const host = await startProbe({
      imports: ["proxy_get_buffer_bytes"],
      body: `(func $get (param $start i32) (param $max i32)
          (i32.store (i32.const 68) (i32.const 0))
          (call $st (call $proxy_get_buffer_bytes (i32.const 0) (local.get $start) (local.get $max) (i32.const 64) (i32.const 68)))
          (call $logout (i32.const 64)))
        (func (export "proxy_on_request_body") (param i32 i32 i32) (result i32)
          (call $get (i32.const 2) (i32.const 3))
          (call $get (i32.const 4) (i32.const 100))
          (call $get (i32.const 10) (i32.const 5))
          (call $st (call $proxy_get_buffer_bytes (i32.const 9) (i32.const 0) (i32.const 1) (i32.const 64) (i32.const 68)))
          (i32.const 0))`,
    });
    host.http().request({ body: "abcdef" });
    assert.deepEqual(host.logs("info", "worker"), ["0", "cde", "0", "ef", "0", "", "2"]);
  });

  test("availability: body outside its callback is OK-empty; call response body outside its callback NOT_FOUND; plugin config NOT_FOUND outside on_configure", async () => {
    const host = await startProbe(
      {
        imports: ["proxy_get_buffer_bytes", "proxy_get_buffer_status"],
        body: `(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
          (call $st (call $proxy_get_buffer_bytes (i32.const 0) (i32.const 0) (i32.const 10) (i32.const 64) (i32.const 68)))
          (call $st (call $proxy_get_buffer_status (i32.const 0) (i32.const 64) (i32.const 68)))
          (call $st (call $proxy_get_buffer_bytes (i32.const 4) (i32.const 0) (i32.const 10) (i32.const 64) (i32.const 68)))
          (call $st (call $proxy_get_buffer_status (i32.const 4) (i32.const 64) (i32.const 68)))
          (call $st (call $proxy_get_buffer_bytes (i32.const 7) (i32.const 0) (i32.const 10) (i32.const 64) (i32.const 68)))
          (call $st (call $proxy_get_buffer_bytes (i32.const 6) (i32.const 0) (i32.const 10) (i32.const 64) (i32.const 68)))
          (call $logout (i32.const 64))
          (i32.const 0))`,
      },
      { pluginConfiguration: "p", vmConfiguration: "v" },
    );
    host.http().request({ body: "b" });
    assert.deepEqual(host.logs("info", "worker"), ["0", "0", "1", "1", "1", "0", "v"]);
  });

  test("get_buffer_status reports the size and flags 0", async () => {
    const host = await startProbe({
      imports: ["proxy_get_buffer_status"],
      body: `(func (export "proxy_on_request_body") (param i32 i32 i32) (result i32)
          (i32.store (i32.const 68) (i32.const 9))
          (call $st (call $proxy_get_buffer_status (i32.const 0) (i32.const 64) (i32.const 68)))
          (call $st (i32.load (i32.const 64))) (call $st (i32.load (i32.const 68))) (i32.const 0))`,
    });
    host.http().request({ body: "hello" });
    assert.deepEqual(host.logs("info", "worker"), ["0", "5", "0"]);
  });
});

describe("check 20: set_buffer_bytes (Envoy semantics)", () => {
  test("start 0 drains `size` bytes then prepends ((0, 0) prepends, (0, ≥len) replaces); start ≥ len appends; anything between BAD_ARGUMENT", async () => {
    const host = await startProbe({
      imports: ["proxy_set_buffer_bytes", "proxy_get_buffer_bytes"],
      data: [[256, "XYZQ"]],
      body: `(func $show
          (drop (call $proxy_get_buffer_bytes (i32.const 0) (i32.const 0) (i32.const 100) (i32.const 64) (i32.const 68)))
          (call $logout (i32.const 64)))
        (func (export "proxy_on_request_body") (param i32 i32 i32) (result i32)
          (call $st (call $proxy_set_buffer_bytes (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 256) (i32.const 1)))
          (call $show)
          (call $st (call $proxy_set_buffer_bytes (i32.const 0) (i32.const 0) (i32.const 100) (i32.const 257) (i32.const 1)))
          (call $show)
          (call $st (call $proxy_set_buffer_bytes (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 258) (i32.const 1)))
          (call $show)
          (call $st (call $proxy_set_buffer_bytes (i32.const 0) (i32.const 1) (i32.const 1) (i32.const 259) (i32.const 1)))
          (call $st (call $proxy_set_buffer_bytes (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 259) (i32.const 1)))
          (call $show)
          (i32.const 0))`,
    });
    const s = host.http().request({ body: "abcdef" });
    assert.deepEqual(host.logs("info", "worker"), ["0", "Xabcdef", "0", "Y", "0", "YZ", "2", "0", "QZ"]);
    assert.equal(s.requestBody.toString(), "QZ", "what goes upstream is the modified body");
  });

  test("immutable buffers and bodies outside their callbacks are BAD_ARGUMENT", async () => {
    const host = await startProbe({
      imports: ["proxy_set_buffer_bytes"],
      data: [[256, "X"]],
      body: `(func (export "proxy_on_configure") (param i32 i32) (result i32)
          (call $st (call $proxy_set_buffer_bytes (i32.const 6) (i32.const 0) (i32.const 0) (i32.const 256) (i32.const 1)))
          (call $st (call $proxy_set_buffer_bytes (i32.const 7) (i32.const 0) (i32.const 0) (i32.const 256) (i32.const 1)))
          (call $st (call $proxy_set_buffer_bytes (i32.const 9) (i32.const 0) (i32.const 0) (i32.const 256) (i32.const 1)))
          (i32.const 1))
        (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
          (call $st (call $proxy_set_buffer_bytes (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 256) (i32.const 1)))
          (call $st (call $proxy_set_buffer_bytes (i32.const 4) (i32.const 0) (i32.const 0) (i32.const 256) (i32.const 1)))
          (i32.const 0))`,
    });
    host.http().request({});
    assert.deepEqual(host.logs("info", "worker"), ["2", "2", "2", "2", "1"]);
  });
});

describe("check 21: get_header_map_size", () => {
  test("is Σ(key + value) bytes (Envoy byteSize), not the serialized size", async () => {
    const host = await startProbe(
      {
        imports: MAPS,
        body: `(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
          (call $st (call $proxy_get_header_map_size (i32.const 0) (i32.const 64)))
          (call $st (i32.load (i32.const 64))) (i32.const 0))`,
      },
      { normalizeHeaders: false },
    );
    host.http().callOnRequestHeaders([
      ["a", "1"],
      ["bb", "22"],
      ["é", "ü"],
    ]);
    assert.deepEqual(host.logs("info", "worker"), ["0", "10"]);
  });
});

describe("HeaderMap.from (the emulator's own header maps)", () => {
  /** What from() must build: add() of every entry in order (keys lower-cased, pseudo-headers in front). */
  function reference(entries: Array<[string, string]>): Array<[string, string]> {
    const map = new HeaderMap();
    for (const [k, v] of entries) map.add(k, v);
    return map.toPairs();
  }

  test("records and pairs: lower-cased keys, pseudo-headers in front, repeated shapes and their variants", () => {
    const records: Array<Record<string, string>> = [
      { ":method": "GET", ":path": "/", ":authority": "a", "user-agent": "x" },
      { ":method": "GET", ":path": "/", ":authority": "a", "user-agent": "y" },
      { ":method": "GET", ":path": "/", ":authority": "a" },
      { ":method": "GET", ":path": "/", ":authority": "a", "user-agent": "z", extra: "1" },
      { ":method": "GET", ":path": "/", ":authority": "a", "user-agent": "z", ":scheme": "http" },
      { ":method": "PUT", ":path": "/", "User-Agent": "w" },
      { ":method": "PUT", ":path": "/", "User-Agent": "w" },
      { ":method": "GET", accept: "*/*", ":path": "/late" },
      { ":method": "GET", accept: "*/*", ":path": "/late" },
      { accept: "*/*", ":path": "/late", "X-Up": "1" },
      { ":status": "200", "content-type": "text/plain" },
      { ":status": "200", "Content-Type": "text/plain" },
      { ":status": "200", "content-type": "text/plain" },
      { ":status": "204" },
      { ÄÖ: "umlaut", ":status": "200" },
      {},
    ];
    for (let round = 0; round < 2; round++) {
      for (const r of records) {
        const entries = Object.entries(r);
        assert.deepEqual(HeaderMap.from(r).toPairs(), reference(entries), JSON.stringify(r));
        assert.deepEqual(HeaderMap.from(entries).toPairs(), reference(entries), JSON.stringify(entries));
      }
    }
    assert.deepEqual(HeaderMap.from({ n: 1 as unknown as string }).toPairs(), [["n", "1"]], "values become strings");
  });
});
