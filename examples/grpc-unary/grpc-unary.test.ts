// grpc-unary through the emulator: the root context checks a service's health with unary gRPC calls
// (grpc.health.v1.Health/Check) when configured and on every tick; requests get a 503 while the last
// check said anything but SERVING or failed.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { ProxyWasmHost, type HostOptions } from "../../scripts/host/index.ts";

const wasm = new URL("../../build/grpc-unary.wasm", import.meta.url).pathname;

const SERVING = Buffer.from([0x08, 0x01]);
const NOT_SERVING = Buffer.from([0x08, 0x02]);

async function start(pluginConfiguration = "", options: Partial<HostOptions> = {}): Promise<ProxyWasmHost> {
  assert.ok(existsSync(wasm), "build/grpc-unary.wasm is missing: run `npm run asbuild`");
  const host = await ProxyWasmHost.start({ wasm, rootId: "grpc_unary", pluginConfiguration, ...options });
  assert.equal(host.failState, "Ok", host.failMessage);
  return host;
}

/** The status a request gets: 503 from the filter, or 200 from upstream. */
function request(host: ProxyWasmHost): number {
  const stream = host.http().request({ headers: { ":path": "/" } });
  if (stream.localResponse !== null) return stream.localResponse.statusCode;
  stream.response({ headers: { ":status": "200" } }).complete();
  return 200;
}

function onlyCheck(host: ProxyWasmHost) {
  const calls = host.pendingGrpcCalls();
  assert.equal(calls.length, 1, "one health check in flight");
  return calls[0]!;
}

describe("grpc-unary", () => {
  test("checks the server's health as soon as it is configured", async () => {
    const host = await start();
    const check = onlyCheck(host);
    assert.equal(check.kind, "call");
    assert.equal(check.token, 5);
    assert.equal(check.service.toString(), "backend");
    assert.equal(check.serviceName, "grpc.health.v1.Health");
    assert.equal(check.method, "Check");
    assert.deepEqual(check.messages, [Buffer.alloc(0)], "an empty service name is an empty message");
    assert.equal(check.timeoutMs, 5000);
    assert.equal(check.rootContextId, host.rootContextId);
    assert.equal(host.tickPeriod(), 5000);
    assert.equal(request(host), 200, "requests pass until the first answer");
  });

  test("NOT_SERVING closes the gate, SERVING opens it again", async () => {
    const host = await start();
    host.resolveGrpcCall(onlyCheck(host).token, NOT_SERVING);
    assert.deepEqual(host.pendingGrpcCalls(), []);
    assert.equal(request(host), 503);
    assert.deepEqual(host.logs("warn"), ["grpc_unary: refusing requests: not serving"]);

    assert.equal(host.tick(), true);
    const next = onlyCheck(host);
    assert.equal(next.token, 9);
    host.resolveGrpcCall(next.token, SERVING);
    assert.equal(request(host), 200);
    assert.deepEqual(host.logs("info"), ["grpc_unary: serving again"]);

    host.tick();
    host.resolveGrpcCall(onlyCheck(host).token, Buffer.from([0x08, 0x03])); // SERVICE_UNKNOWN
    assert.equal(request(host), 503);
  });

  test("a failed check fails closed, with the gRPC status message logged", async () => {
    const host = await start();
    host.closeGrpc(onlyCheck(host).token, { status: 14, message: "no healthy upstream" });
    assert.deepEqual(host.pendingGrpcCalls(), []);
    const stream = host.http().request({ headers: { ":path": "/" } });
    assert.equal(stream.localResponse?.statusCode, 503);
    assert.equal(stream.localResponse?.details, "grpc_health_not_serving");
    assert.deepEqual(host.logs("warn"), ["grpc_unary: refusing requests: health check failed: no healthy upstream"]);
  });

  test("a check still out when the timer fires is not doubled; it times out after one period", async () => {
    const host = await start();
    const first = onlyCheck(host);
    host.advanceClock(4_999);
    assert.equal(onlyCheck(host).token, first.token);
    host.tick(); // the timer fires while the check is out (no second check), then the check's deadline passes
    assert.deepEqual(host.pendingGrpcCalls(), []);
    assert.equal(request(host), 503);
    host.tick();
    assert.equal(onlyCheck(host).token, 9);
  });

  test("configuration: cluster, service and period", async () => {
    const host = await start('{"cluster": "orders", "service": "shop.Orders", "period_ms": 250}');
    const check = onlyCheck(host);
    assert.equal(check.service.toString(), "orders");
    assert.deepEqual(check.messages, [Buffer.concat([Buffer.from([0x0a, 11]), Buffer.from("shop.Orders")])]);
    assert.equal(check.timeoutMs, 250);
    assert.equal(host.tickPeriod(), 250);
  });

  test("a cluster Envoy does not know: no call, requests refused", async () => {
    const host = await start('{"cluster": "nowhere"}', { clusters: ["backend"] });
    assert.deepEqual(host.pendingGrpcCalls(), []);
    assert.equal(request(host), 503);
    assert.deepEqual(host.logs("warn", "worker"), ["grpc_unary: refusing requests: cannot call cluster nowhere"]);
  });

  test("a configuration it cannot use is rejected", async () => {
    for (const bad of ['{"cluster": ""}', '{"service": 1}', '{"period_ms": 0}', "[]"]) {
      const host = await ProxyWasmHost.start({ wasm, rootId: "grpc_unary", pluginConfiguration: bad });
      assert.equal(host.failState, "ConfigureFailed", bad);
      assert.match(host.logs("critical").join("\n"), /^grpc_unary: configuration /, bad);
    }
  });

  test("imports only the ABI 0.2.1 functions it uses", () => {
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(wasm)));
    assert.deepEqual(imports.map((i) => `${i.module}.${i.name}`).sort(), [
      "env.proxy_get_buffer_bytes",
      "env.proxy_get_log_level",
      "env.proxy_get_property",
      "env.proxy_get_status",
      "env.proxy_grpc_call",
      "env.proxy_grpc_cancel", // calls of a deleted context are cancelled
      "env.proxy_log",
      "env.proxy_send_local_response",
      "env.proxy_set_effective_context", // replies to calls made by a stream
      "env.proxy_set_tick_period_milliseconds",
    ]);
  });
});
