// scripts/build/unused-callbacks.ts: the build leaves out the exports of stream callbacks no context
// class overrides (Envoy then skips the call and does what the SDK's default does), and keeps every
// callback some class overrides, at any depth below the SDK class.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ProxyWasmHost } from "../../scripts/host/index.ts";
import { unusedCallbacks } from "../../scripts/build/unused-callbacks.ts";
import { buildTestFilter, results } from "../sdk/build-test-filter.ts";

function callbacks(wasm: string): string[] {
  return WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(wasm)))
    .map((e) => e.name)
    .filter((name) => name.startsWith("proxy_on_"))
    .sort();
}

const responseHeadersOnly = `
export * from "sdk/abi/exports";
import { Action, HttpContext, registerRootContext, RootContext } from "sdk/index";

class Stream extends HttpContext {
  onResponseHeaders(count: u32, endOfStream: bool): Action {
    this.responseHeaders.add("x-seen", "yes");
    return Action.Continue;
  }
}

class Root extends RootContext {
  createHttpContext(id: u32): HttpContext {
    return new Stream(id, this);
  }
}

registerRootContext((id: u32): RootContext => new Root(id), "only");
`;

test("a filter that overrides only onResponseHeaders exports no other stream callback, and works as before", async () => {
  const wasm = await buildTestFilter("only-response-headers", responseHeadersOnly);
  const exported = callbacks(wasm);
  for (const kept of ["proxy_on_context_create", "proxy_on_delete", "proxy_on_response_headers", "proxy_on_configure", "proxy_on_http_call_response"]) {
    assert.ok(exported.includes(kept), `${kept} missing from ${exported.join(" ")}`);
  }
  for (const dropped of ["proxy_on_request_headers", "proxy_on_request_body", "proxy_on_response_body", "proxy_on_log", "proxy_on_done", "proxy_on_tick", "proxy_on_downstream_data", "proxy_on_new_connection"]) {
    assert.ok(!exported.includes(dropped), `${dropped} still exported`);
  }
  const host = await ProxyWasmHost.start({ wasm, rootId: "only" });
  assert.equal(host.failState, "Ok", host.failMessage);
  for (let i = 0; i < 3; i++) {
    const stream = host.http().request({ headers: { ":path": "/" }, body: "ping" }).response({ headers: { ":status": "200" }, body: "pong" }).complete();
    assert.equal(stream.responseHeader("x-seen"), "yes");
    assert.equal(stream.responseBody.toString(), "pong");
  }
  assert.equal(host.shutdown(), true);
});

const deepOverrides = `
export * from "sdk/abi/exports";
import { Action, HttpContext, logInfo, registerRootContext, RootContext, TcpContext } from "sdk/index";

class Logging extends HttpContext {
  onLog(): void {
    logInfo("log=" + this.id.toString());
  }
}

class Stream extends Logging {
  onRequestBody(size: u32, endOfStream: bool): Action {
    logInfo("body=" + size.toString());
    return Action.Continue;
  }
}

class Connection extends TcpContext {
  onUpstreamData(size: u32, endOfStream: bool): Action {
    return Action.Continue;
  }
}

class Root extends RootContext {
  onTick(): void {
    logInfo("tick=yes");
  }
  onDone(): bool {
    logInfo("root-done=yes");
    return true;
  }
  createHttpContext(id: u32): HttpContext {
    return new Stream(id, this);
  }
  createTcpContext(id: u32): TcpContext {
    return new Connection(id, this);
  }
}

registerRootContext((id: u32): RootContext => new Root(id), "deep");
`;

test("an override anywhere below the SDK class keeps its callback, and it runs", async () => {
  const wasm = await buildTestFilter("deep-overrides", deepOverrides);
  const exported = callbacks(wasm);
  for (const kept of ["proxy_on_log", "proxy_on_request_body", "proxy_on_done", "proxy_on_tick", "proxy_on_upstream_data"]) {
    assert.ok(exported.includes(kept), `${kept} missing from ${exported.join(" ")}`);
  }
  for (const dropped of ["proxy_on_request_headers", "proxy_on_response_headers", "proxy_on_downstream_data"]) {
    assert.ok(!exported.includes(dropped), `${dropped} still exported`);
  }
  const host = await ProxyWasmHost.start({ wasm, rootId: "deep" });
  assert.equal(host.failState, "Ok", host.failMessage);
  host.http().request({ headers: { ":path": "/" }, body: "12345" }).response({ headers: { ":status": "200" } }).complete();
  assert.equal(host.shutdown(), true);
  const seen = results(host.logs("info"));
  assert.equal(seen.get("body"), "5");
  assert.ok(seen.has("log"), "onLog of the intermediate class ran");
  assert.equal(seen.get("root-done"), "yes");
});

test("a program that is not as expected keeps every export", () => {
  assert.deepEqual(unusedCallbacks({}), []);
  assert.deepEqual(unusedCallbacks({ filesByName: new Map() }), []);
});
