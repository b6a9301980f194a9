// The bench's floors (testkit/floors.ts) do the jobs of the SDK modules they are compared with, in the
// emulator: otherwise a ratio against them would mean nothing.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ProxyWasmHost } from "../../scripts/host/index.ts";
import {
  FLOOR_ADD_HEADER_WAT,
  FLOOR_BODY_COPY_WAT,
  FLOOR_BODY_REWRITE_FROM,
  FLOOR_BODY_REWRITE_TO,
  FLOOR_BODY_REWRITE_WAT,
  FLOOR_USER_AGENT_WAT,
} from "../../testkit/floors.ts";
import { wat } from "../../testkit/wat.ts";

async function start(source: string): Promise<ProxyWasmHost> {
  const host = await ProxyWasmHost.start({ wasm: await wat(source), rootId: "" });
  assert.equal(host.failed, false, host.failMessage);
  return host;
}

test("add-header floor: hello: world on every response", async () => {
  const host = await start(FLOOR_ADD_HEADER_WAT);
  for (let i = 0; i < 3; i++) {
    const s = host.http().request().response({ headers: { ":status": "200" } }).complete();
    assert.equal(s.responseHeader("hello"), "world");
  }
});

test("user-agent floor: User-Agent: <value> at INFO, User-Agent: - when absent, long values too", async () => {
  const host = await start(FLOOR_USER_AGENT_WAT);
  const long = "x".repeat(100_000);
  for (const agent of ["curl/8.5", undefined, long, "ab"]) {
    host.clearLogs();
    host.http().request({ headers: agent === undefined ? {} : { "user-agent": agent } }).response().complete();
    assert.deepEqual(host.logs("info"), [`User-Agent: ${agent ?? "-"}`]);
  }
});

test("body-copy floor: the response body leaves as it came, also when buffered over chunks", async () => {
  const host = await start(FLOOR_BODY_COPY_WAT);
  const body = Buffer.alloc(300_000, "abcdefgh");
  const s = host.http().request().response({ body: [body.subarray(0, 100_000), body.subarray(100_000)] }).complete();
  assert.deepEqual(s.responseBody, body);
});

test("body-rewrite floor: every match replaced in one pass, content-length removed, no match left as is", async () => {
  const host = await start(FLOOR_BODY_REWRITE_WAT);
  const text = `${FLOOR_BODY_REWRITE_FROM} a ${FLOOR_BODY_REWRITE_FROM}${FLOOR_BODY_REWRITE_FROM} c ca ${FLOOR_BODY_REWRITE_FROM}`;
  const rewritten = text.replaceAll(FLOOR_BODY_REWRITE_FROM, FLOOR_BODY_REWRITE_TO);
  const s = host.http().request().response({ headers: { "content-length": String(text.length) }, body: [text.slice(0, 7), text.slice(7)] }).complete();
  assert.equal(s.responseBody.toString("latin1"), rewritten);
  assert.equal(s.responseHeader("content-length"), null);
  const big = Buffer.alloc(1 << 20, "The quick brown fox jumps over the lazy dog. ");
  for (let i = 0; i + 3 <= big.length; i += 64) big.write(FLOOR_BODY_REWRITE_FROM, i, "latin1");
  const large = host.http().request().response({ body: big }).complete();
  assert.equal(large.responseBody.toString("latin1"), big.toString("latin1").replaceAll(FLOOR_BODY_REWRITE_FROM, FLOOR_BODY_REWRITE_TO));
  const none = host.http().request().response({ body: "nothing to see, ca c a t" }).complete();
  assert.equal(none.responseBody.toString("latin1"), "nothing to see, ca c a t");
});
