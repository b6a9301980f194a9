// add-header through the Proxy-Wasm host emulator: the response gets one header, chosen by the plugin
// configuration; a configuration it cannot use is rejected the way Envoy rejects it.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, test } from "node:test";
import { ProxyWasmHost } from "../../scripts/host/index.ts";

const wasm = new URL("../../build/add-header.wasm", import.meta.url).pathname;

async function start(pluginConfiguration: string): Promise<ProxyWasmHost> {
  assert.ok(existsSync(wasm), "build/add-header.wasm is missing: run `npm run asbuild`");
  return ProxyWasmHost.start({ wasm, rootId: "add_header", pluginConfiguration });
}

function roundTrip(host: ProxyWasmHost) {
  return host
    .http()
    .request({ headers: { ":path": "/", "user-agent": "test" } })
    .response({ headers: { ":status": "200", "content-type": "text/plain" }, body: "hi" })
    .complete();
}

describe("add-header", () => {
  test("an empty configuration adds hello: world to the response", async () => {
    const host = await start("");
    assert.equal(host.failState, "Ok", host.failMessage);
    const stream = roundTrip(host);
    assert.equal(stream.responseHeader("hello"), "world");
    assert.equal(stream.requestHeader("hello"), null, "the request is left alone");
    assert.equal(stream.responseBody.toString(), "hi");
    assert.deepEqual(host.logs("critical"), []);
  });

  test('{"name":"x-demo","value":"yes"} adds x-demo: yes', async () => {
    const host = await start('{"name":"x-demo","value":"yes"}');
    const stream = roundTrip(host);
    assert.equal(stream.responseHeader("x-demo"), "yes");
    assert.equal(stream.responseHeader("hello"), null);
  });

  test("a plain string becomes the value of hello", async () => {
    const stream = roundTrip(await start("tomorrow"));
    assert.equal(stream.responseHeader("hello"), "tomorrow");
  });

  test("malformed JSON is rejected: on_configure false, a CRITICAL log naming the problem", async () => {
    const host = await start('{"name": "x-demo", "value": ');
    assert.equal(host.configured, false);
    assert.equal(host.failState, "ConfigureFailed");
    const [critical] = host.logs("critical");
    assert.match(critical ?? "", /add_header: configuration is not valid JSON/);
    const stream = host.http().request({}).response({}).complete();
    assert.equal(stream.localResponse?.statusCode, 503, "a plugin Envoy rejected fails closed");
  });

  test("JSON without a usable name/value is rejected too", async () => {
    for (const config of ['{"value":"yes"}', '{"name":"","value":"yes"}', '{"name":"x","value":1}']) {
      const host = await start(config);
      assert.equal(host.failState, "ConfigureFailed", config);
      assert.match(host.logs("critical")[0] ?? "", /needs string members "name" \(not empty\) and "value"/, config);
    }
  });

  test("every request gets the header, each on its own stream context", async () => {
    const host = await start("");
    const ids = [0, 1, 2].map(() => {
      const stream = roundTrip(host);
      assert.equal(stream.responseHeader("hello"), "world");
      return stream.id;
    });
    assert.deepEqual(ids, [2, 3, 4]);
    assert.deepEqual(host.contextIds(), [1], "stream contexts are deleted after each request");
  });
});
