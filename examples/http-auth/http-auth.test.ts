// http-auth through the emulator: the request waits for the authorization service's answer (an HTTP
// callout answered on the root context id, dispatched to the right stream), continues on 2xx, gets a
// 403 otherwise and fails closed when the call fails, times out or cannot be sent.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { ProxyWasmHost, type HostOptions } from "../../scripts/host/index.ts";

const wasm = new URL("../../build/http-auth.wasm", import.meta.url).pathname;

async function start(pluginConfiguration = "", options: Partial<HostOptions> = {}): Promise<ProxyWasmHost> {
  assert.ok(existsSync(wasm), "build/http-auth.wasm is missing: run `npm run asbuild`");
  const host = await ProxyWasmHost.start({ wasm, rootId: "http_auth", pluginConfiguration, ...options });
  assert.equal(host.failState, "Ok", host.failMessage);
  return host;
}

/** A request waiting for the service, and the call it made. */
function ask(host: ProxyWasmHost, headers: Record<string, string> = {}) {
  const stream = host.http().request({ headers: { ":method": "POST", ":path": "/orders?id=7", ...headers } });
  const call = host.pendingHttpCalls().find((c) => c.contextId === stream.id);
  assert.ok(call, "the filter made a callout for the request");
  return { stream, call };
}

describe("http-auth", () => {
  test("asks the service with the request's credentials and holds the request meanwhile", async () => {
    const host = await start();
    const { stream, call } = ask(host, { authorization: "Bearer t0k3n" });
    assert.equal(call.cluster, "auth");
    assert.equal(call.timeoutMs, 1000);
    assert.equal(call.rootContextId, host.rootContextId, "callouts belong to the root context");
    assert.deepEqual(call.headers, [
      [":method", "GET"],
      [":path", "/auth"],
      [":authority", "auth"],
      ["x-original-method", "POST"],
      ["x-original-uri", "/orders?id=7"],
      ["authorization", "Bearer t0k3n"],
    ]);
    assert.equal(call.body.length, 0);
    assert.equal(stream.requestPaused, true);
    assert.equal(stream.requestForwarded, false);
  });

  test("a 2xx answer lets the request through with the user the service named", async () => {
    const host = await start();
    const { stream, call } = ask(host, { "x-auth-user": "mallory" });
    host.resolveHttpCall(call.token, { status: 200, headers: { "x-auth-user": "alice" } });
    assert.equal(stream.requestForwarded, true);
    assert.equal(stream.requestHeader("x-auth-user"), "alice");
    stream.response({ headers: { ":status": "201" }, body: "created" }).complete();
    assert.equal(stream.localResponse, null);
    assert.equal(stream.responseBody.toString(), "created");

    const anonymous = ask(host, { "x-auth-user": "mallory" });
    host.resolveHttpCall(anonymous.call.token, { status: 204 });
    assert.equal(anonymous.stream.requestForwarded, true);
    assert.equal(anonymous.stream.requestHeader("x-auth-user"), null, "a user header the service did not send is dropped");
  });

  test("any other answer gets a 403 local reply", async () => {
    const host = await start();
    for (const status of [401, 403, 302, 404]) {
      const { stream, call } = ask(host);
      host.resolveHttpCall(call.token, { status, body: "no" });
      assert.equal(stream.requestForwarded, false, `status ${status}`);
      assert.equal(stream.localResponse?.statusCode, 403);
      assert.equal(stream.localResponse?.details, "http_auth_denied");
      assert.equal(stream.localResponse?.body.toString(), "access denied\n");
    }
    assert.equal(host.failed, false);
  });

  test("fails closed: a reset call, a 5xx and a timeout get status_on_error", async () => {
    const host = await start();
    const reset = ask(host);
    host.failHttpCall(reset.call.token);
    assert.equal(reset.stream.localResponse?.statusCode, 403);
    assert.equal(reset.stream.localResponse?.details, "http_auth_unavailable");
    assert.deepEqual(host.logs("warn"), ["http_auth: authorization call failed: reset"]);

    const broken = ask(host);
    host.resolveHttpCall(broken.call.token, { status: 503 });
    assert.equal(broken.stream.localResponse?.details, "http_auth_unavailable");

    const slow = ask(host);
    host.advanceClock(999);
    assert.equal(slow.stream.localResponse?.statusCode, undefined);
    host.advanceClock(1); // Envoy answers a timed-out call with a 504
    assert.equal(slow.stream.localResponse?.statusCode, 403);
    assert.equal(slow.stream.localResponse?.details, "http_auth_unavailable");
    assert.equal(slow.stream.requestForwarded, false);
  });

  test("a call the host refuses (unknown cluster) is answered at once", async () => {
    const host = await start('{"cluster": "authz", "status_on_error": 503}', { clusters: ["auth"] });
    const stream = host.http().request({ headers: { ":path": "/" } });
    assert.deepEqual(host.pendingHttpCalls(), []);
    assert.equal(stream.localResponse?.statusCode, 503);
    assert.equal(stream.localResponse?.details, "http_auth_unavailable");
    assert.deepEqual(host.logs("warn"), ["http_auth: cannot call cluster authz"]);
  });

  test("answers reach their own request whatever the order", async () => {
    const host = await start();
    const first = ask(host);
    const second = ask(host);
    const third = ask(host);
    assert.deepEqual(
      [first.call.token, second.call.token, third.call.token],
      [4, 8, 12],
    );
    host.resolveHttpCall(third.call.token, { status: 200, headers: { "x-auth-user": "carol" } });
    host.resolveHttpCall(first.call.token, { status: 403 });
    host.resolveHttpCall(second.call.token, { status: 200, headers: { "x-auth-user": "bob" } });
    assert.equal(first.stream.localResponse?.statusCode, 403);
    assert.equal(second.stream.requestHeader("x-auth-user"), "bob");
    assert.equal(third.stream.requestHeader("x-auth-user"), "carol");
    assert.equal(second.stream.localResponse, null);
    assert.equal(third.stream.localResponse, null);
  });

  test("a request that goes away before the answer: the answer is dropped", async () => {
    const host = await start();
    const gone = ask(host);
    const waiting = ask(host);
    gone.stream.complete();
    assert.deepEqual(host.contextIds().sort(), [host.rootContextId, waiting.stream.id].sort());
    host.failHttpCall(gone.call.token); // would log a warning and reply if it reached a handler
    host.resolveHttpCall(waiting.call.token, { status: 200 });
    assert.equal(host.failed, false, host.failMessage);
    assert.deepEqual(host.logs("warn"), []);
    assert.equal(gone.stream.localResponse, null);
    assert.equal(waiting.stream.requestForwarded, true);
  });

  test("configuration: cluster, authority, path, timeout, status_on_error, user_header", async () => {
    const host = await start(
      '{"cluster": "authz", "authority": "authz.internal", "path": "/check", "timeout_ms": 50, "status_on_error": 503, "user_header": ""}',
    );
    const { stream, call } = ask(host, { "x-auth-user": "kept" });
    assert.equal(call.cluster, "authz");
    assert.equal(call.timeoutMs, 50);
    assert.deepEqual(call.headers.slice(0, 3), [
      [":method", "GET"],
      [":path", "/check"],
      [":authority", "authz.internal"],
    ]);
    host.resolveHttpCall(call.token, { status: 200, headers: { "x-auth-user": "ignored" } });
    assert.equal(stream.requestHeader("x-auth-user"), "kept", "user_header \"\" copies nothing");

    const slow = ask(host);
    host.advanceClock(50);
    assert.equal(slow.stream.localResponse?.statusCode, 503);
  });

  test("a configuration it cannot use is rejected", async () => {
    for (const bad of ['{"cluster": ""}', '{"path": "check"}', '{"timeout_ms": -1}', '{"status_on_error": 42}', "{"]) {
      const host = await ProxyWasmHost.start({ wasm, rootId: "http_auth", pluginConfiguration: bad });
      assert.equal(host.failState, "ConfigureFailed", bad);
      assert.match(host.logs("critical").join("\n"), /^http_auth: configuration /, bad);
    }
  });

  test("imports only the ABI 0.2.1 functions it uses", () => {
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(wasm)));
    assert.deepEqual(imports.map((i) => `${i.module}.${i.name}`).sort(), [
      "env.proxy_continue_stream",
      "env.proxy_get_buffer_bytes",
      "env.proxy_get_header_map_value",
      "env.proxy_get_log_level",
      "env.proxy_get_property",
      "env.proxy_get_status",
      "env.proxy_http_call",
      "env.proxy_log",
      "env.proxy_remove_header_map_value",
      "env.proxy_replace_header_map_value",
      "env.proxy_send_local_response",
      "env.proxy_set_effective_context",
    ]);
  });
});
