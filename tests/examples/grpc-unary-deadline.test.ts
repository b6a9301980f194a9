// grpc-unary's README: a health check's deadline is one period; a check with no answer by then is a
// failed call, so the gate fails closed (503, details grpc_health_not_serving) until a check says
// SERVING again. The emulator ends the call like Envoy's async client does when the timeout passes.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { ProxyWasmHost } from "../../scripts/host/index.ts";

const wasm = new URL("../../build/grpc-unary.wasm", import.meta.url).pathname;
const SERVING = Buffer.from([0x08, 0x01]);

/** The status a request gets: the filter's local reply, or 200 from upstream. */
function request(host: ProxyWasmHost): { status: number; details: string | null } {
  const stream = host.http().request({ headers: { ":path": "/" } });
  if (stream.localResponse !== null) return { status: stream.localResponse.statusCode, details: stream.localResponse.details };
  stream.response({ headers: { ":status": "200" } }).complete();
  return { status: 200, details: null };
}

test("grpc-unary: a check unanswered for one period fails the gate closed until a check says SERVING", async () => {
  assert.ok(existsSync(wasm), "build/grpc-unary.wasm is missing: run `npm run asbuild`");
  const host = await ProxyWasmHost.start({ wasm, rootId: "grpc_unary", pluginConfiguration: '{"period_ms": 100}' });
  assert.equal(host.failState, "Ok", host.failMessage);

  const [first, ...others] = host.pendingGrpcCalls();
  assert.deepEqual(others, []);
  assert.equal(first?.token, 5);
  assert.equal(first?.timeoutMs, 100, "the call's deadline is the period");

  host.advanceClock(99);
  assert.deepEqual(
    host.pendingGrpcCalls().map((c) => c.token),
    [5],
  );
  assert.equal(request(host).status, 200, "requests pass until the first answer");

  // At 100 ms the timer fires (the check still out is not doubled) and the call's deadline passes.
  host.advanceClock(1);
  assert.deepEqual(host.pendingGrpcCalls(), [], "Envoy ended the call; no second check went out");
  assert.deepEqual(host.logs("warn"), ["grpc_unary: refusing requests: health check failed: upstream request timeout"]);
  assert.deepEqual(request(host), { status: 503, details: "grpc_health_not_serving" });

  // The next period sends a new check; SERVING opens the gate again.
  host.advanceClock(100);
  const [next] = host.pendingGrpcCalls();
  assert.equal(next?.token, 9);
  assert.equal(request(host).status, 503, "still closed while the new check is out");
  host.resolveGrpcCall(9, SERVING);
  assert.equal(request(host).status, 200);
  assert.deepEqual(host.logs("info"), ["grpc_unary: serving again"]);
});
