// Envoy's buffer limit for bodies a filter buffers (PAUSE from a body callback = StopIterationAndBuffer):
// 413 for a request, 500 for a response (a reset once its headers went downstream), nothing for data
// merely held behind a paused header callback (watermark). And buffering is linear in the body size.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { startProbe } from "../../testkit/probe.ts";

/** Body callbacks return `bodyAction` until end of stream, then Continue; header callbacks return `headerAction`. */
const buffering = (bodyAction: number, headerAction = 0) => ({
  body: `(func (export "proxy_on_context_create") (param i32 i32))
    (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) (i32.const ${headerAction}))
    (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32) (i32.const 0))
    (func (export "proxy_on_request_body") (param i32 i32 i32) (result i32)
      (if (result i32) (local.get 2) (then (i32.const 0)) (else (i32.const ${bodyAction}))))
    (func (export "proxy_on_response_body") (param i32 i32 i32) (result i32)
      (if (result i32) (local.get 2) (then (i32.const 0)) (else (i32.const ${bodyAction}))))
    (func (export "proxy_on_done") (param i32) (result i32) (i32.const 1))
    (func (export "proxy_on_delete") (param i32))`,
});

const chunk = (n: number) => Buffer.alloc(n, 0x61);

describe("buffer limit", () => {
  test("a request body buffered past the limit: 413 Payload Too Large, request_payload_too_large, nothing upstream", async () => {
    const host = await startProbe(buffering(1), { bufferLimit: 1000 });
    const s = host.http();
    s.callOnRequestHeaders({ ":method": "POST" }, false);
    s.callOnRequestBody(chunk(600), false);
    assert.equal(s.localResponse?.statusCode, undefined, "600 bytes are under the limit");
    s.callOnRequestBody(chunk(600), false);
    assert.equal(s.localResponse?.statusCode, 413);
    assert.equal(s.localResponse?.details, "request_payload_too_large");
    assert.equal(s.responseHeader(":status"), "413");
    assert.equal(s.responseBody.toString(), "Payload Too Large");
    assert.equal(s.requestBody.length, 0);
    assert.equal(s.completed, true);
  });

  test("Envoy's default limit is 1 MiB", async () => {
    const host = await startProbe(buffering(1));
    const s = host.http();
    s.callOnRequestHeaders({}, false);
    s.callOnRequestBody(chunk(1024 * 1024), false);
    assert.equal(s.localResponse?.statusCode, undefined);
    s.callOnRequestBody(chunk(1), false);
    assert.equal(s.localResponse?.statusCode, 413);
  });

  test("a response body buffered past the limit: 500 response_payload_too_large, or a reset once headers went out", async () => {
    const host = await startProbe(buffering(1), { bufferLimit: 1000 });
    const s = host.http().request({});
    // Headers are forwarded by on_response_headers (Continue): the reply can only be a reset.
    s.callOnResponseHeaders({ ":status": "200" }, false);
    s.callOnResponseBody(chunk(2000), false);
    assert.equal(s.resetDetails, "response_payload_too_large");
    assert.equal(s.completed, true);

    const paused = await startProbe(buffering(1, 1), { bufferLimit: 1000 });
    const p = paused.http();
    p.callOnRequestHeaders({}, true);
    assert.equal(p.requestPaused, true);
    p.callOnResponseHeaders({ ":status": "200" }, false);
    p.callOnResponseBody(chunk(2000), false);
    assert.equal(p.localResponse, null, "the response waits behind the paused request: nothing buffered by the filter yet");
  });

  test("StopAllIterationAndBuffer (3) from a header callback: what waits behind it counts; 500 before response headers went out", async () => {
    const request = await startProbe(buffering(0, 3), { bufferLimit: 1000 });
    const r = request.http();
    r.callOnRequestHeaders({}, false);
    r.callOnRequestBody(chunk(800), false);
    assert.equal(r.localResponse?.statusCode, undefined);
    r.callOnRequestBody(chunk(800), false);
    assert.equal(r.localResponse?.statusCode, 413);

    const response = await startProbe(
      {
        body: `(func (export "proxy_on_context_create") (param i32 i32))
          (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32) (i32.const 3))
          (func (export "proxy_on_response_body") (param i32 i32 i32) (result i32) (i32.const 0))`,
      },
      { bufferLimit: 1000 },
    );
    const s = response.http().request({});
    s.callOnResponseHeaders({ ":status": "200", "x-upstream": "1" }, false);
    s.callOnResponseBody(chunk(1500), false);
    assert.equal(s.localResponse?.statusCode, 500);
    assert.equal(s.localResponse?.details, "response_payload_too_large");
    assert.equal(s.responseHeader(":status"), "500");
    assert.equal(s.responseHeader("x-upstream"), null, "the upstream's response is replaced");
    assert.equal(s.responseBody.toString(), "Internal Server Error");
  });

  test("no limit for data held with StopIterationAndWatermark, or with bufferLimit: 0", async () => {
    const watermark = await startProbe(buffering(2), { bufferLimit: 1000 });
    const w = watermark.http();
    w.callOnRequestHeaders({}, false);
    w.callOnRequestBody(chunk(5000), false);
    w.callOnRequestBody(chunk(10), true);
    assert.equal(w.localResponse, null);
    assert.equal(w.requestBody.length, 5010);

    const unlimited = await startProbe(buffering(1), { bufferLimit: 0 });
    const u = unlimited.http();
    u.callOnRequestHeaders({}, false);
    u.callOnRequestBody(chunk(3 * 1024 * 1024), false);
    u.callOnRequestBody(chunk(1), true);
    assert.equal(u.localResponse, null);
    assert.equal(u.requestBody.length, 3 * 1024 * 1024 + 1);
  });

  test("watermarkedBytes: what waits behind a paused header callback counts, a body the filter buffers does not", async () => {
    const paused = await startProbe(buffering(1, 1), { bufferLimit: 0 });
    const p = paused.http();
    p.callOnRequestHeaders({}, false);
    p.callOnRequestBody(chunk(300), false);
    p.callOnRequestBody(chunk(200), false);
    assert.equal(p.watermarkedBytes(true), 500, "queued behind the paused headers");

    const buffered = await startProbe(buffering(1), { bufferLimit: 0 });
    const b = buffered.http();
    b.callOnRequestHeaders({}, false);
    b.callOnRequestBody(chunk(300), false);
    assert.equal(b.watermarkedBytes(true), 0);

    const watermark = await startProbe(buffering(2), { bufferLimit: 0 });
    const w = watermark.http();
    w.callOnRequestHeaders({}, false);
    w.callOnRequestBody(chunk(300), false);
    assert.equal(w.watermarkedBytes(true), 300);
  });

  test("buffering is linear: the chunks are joined once, not copied on every append", async () => {
    const host = await startProbe(buffering(1), { bufferLimit: 0, retainBodies: false });
    // Count the bytes Buffer.concat copies while 32 MiB arrive in 1 KiB chunks. A copy of the whole
    // buffer per chunk would copy about 512 GiB (and never finish); a linear buffer joins them once.
    const concat = Buffer.concat;
    let copied = 0;
    Buffer.concat = ((list: readonly Uint8Array[], totalLength?: number) => {
      const joined = concat(list, totalLength);
      copied += joined.length;
      return joined;
    }) as typeof Buffer.concat;
    try {
      const piece = chunk(1024);
      const total = 32 * 1024 * 1024;
      const s = host.http();
      s.callOnRequestHeaders({}, false);
      for (let sent = 0; sent < total - piece.length; sent += piece.length) {
        s.callOnRequestBody(piece, false);
        if (sent === 1024 * 1024) assert.equal(copied, 0, "nothing copied while buffering"); // fails fast if quadratic
      }
      assert.equal(copied, 0, "nothing copied while buffering");
      s.callOnRequestBody(piece, true);
      assert.equal(s.requestBodyBytes, total);
      assert.ok(copied <= total, `joined once: ${copied} bytes copied for ${total}`);
    } finally {
      Buffer.concat = concat;
    }
  });
});
