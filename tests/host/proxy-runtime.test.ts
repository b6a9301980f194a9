// A foreign SDK's module in the emulator: @solo-io/proxy-runtime 0.1.8's README add-header, built with its
// own AssemblyScript 0.14. It must run with a configuration and, with an empty one, hit its known bug
// (an out-of-bounds read in proxy_on_configure) that the emulator reports as a failed VM.

import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { buildProxyRuntimeAddHeader, PROXY_RUNTIME_ROOT_ID } from "../../testkit/anchors.ts";
import { ProxyWasmHost } from "../../scripts/host/index.ts";

describe("@solo-io/proxy-runtime 0.1.8 add-header", { timeout: 180_000 }, () => {
  let wasm = "";
  before(async () => {
    wasm = await buildProxyRuntimeAddHeader();
  });

  test("runs with a configuration: ABI 0.2.0, root context from plugin_root_id, header added", async () => {
    const host = await ProxyWasmHost.start({ wasm, rootId: PROXY_RUNTIME_ROOT_ID, pluginConfiguration: "tomorrow", logLevel: "debug" });
    assert.equal(host.failState, "Ok", host.failMessage);
    assert.equal(host.abiVersion, "0.2.0");
    assert.ok(host.logs("debug").includes("Registering new root context for add_header with id: 1"));
    const stream = host.http().request({ headers: { ":path": "/" } }).response({ headers: { ":status": "200" } }).complete();
    assert.equal(stream.responseHeader("hello"), "tomorrow");
    assert.ok(host.logs("debug").includes("context id: 2: onDelete()"), "its lifecycle callbacks ran in Envoy's order");
  });

  test("with an empty configuration it fails in proxy_on_configure (out-of-bounds) and is reported, not crashed", async () => {
    const host = await ProxyWasmHost.start({ wasm, rootId: PROXY_RUNTIME_ROOT_ID, pluginConfiguration: "" });
    assert.equal(host.failed, true);
    assert.equal(host.failState, "RuntimeError");
    assert.match(host.failMessage, /^Function: proxy_on_configure failed: Uncaught RuntimeError: memory access out of bounds/);
    const stream = host.http().request({}).response({}).complete();
    assert.equal(stream.localResponse?.details, "wasm_fail_stream", "its streams fail closed like in Envoy");
  });

  test("a wrong root id makes its root context factory lookup throw, also reported as a failed VM", async () => {
    const host = await ProxyWasmHost.start({ wasm, rootId: "other", pluginConfiguration: "x" });
    assert.equal(host.failState, "RuntimeError");
    assert.match(host.failMessage, /^Function: proxy_on_context_create failed: Uncaught RuntimeError: unreachable/);
    assert.ok(host.logs("critical").some((m) => m.includes("Missing root context factory for root id: other")));
  });
});
