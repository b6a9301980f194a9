// user-agent-logger through the Proxy-Wasm host emulator: one INFO line per request.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, test } from "node:test";
import { ProxyWasmHost } from "../../scripts/host/index.ts";

const wasm = new URL("../../build/user-agent-logger.wasm", import.meta.url).pathname;

async function start(): Promise<ProxyWasmHost> {
  assert.ok(existsSync(wasm), "build/user-agent-logger.wasm is missing: run `npm run asbuild`");
  const host = await ProxyWasmHost.start({ wasm, rootId: "user_agent_logger" });
  assert.equal(host.failState, "Ok", host.failMessage);
  return host;
}

describe("user-agent-logger", () => {
  test("logs the User-Agent header at INFO", async () => {
    const host = await start();
    const stream = host.http().request({ headers: { "user-agent": "curl/8.5.0" } }).response({}).complete();
    assert.deepEqual(host.logs("info"), ["User-Agent: curl/8.5.0"]);
    assert.equal(stream.requestForwarded, true, "the request goes on unchanged");
    assert.equal(stream.requestHeader("user-agent"), "curl/8.5.0");
  });

  test("logs User-Agent: - when the header is absent", async () => {
    const host = await start();
    host.http().request({ headers: { accept: "*/*" } }).response({}).complete();
    assert.deepEqual(host.logs("info"), ["User-Agent: -"]);
  });

  test("one line per request, logged from the stream context", async () => {
    const host = await start();
    for (const ua of ["a", "b"]) host.http().request({ headers: { "User-Agent": ua } }).response({}).complete();
    host.http().request({}).complete();
    assert.deepEqual(
      host.logEntries().filter((e) => e.level === "info").map((e) => [e.message, e.contextId]),
      [
        ["User-Agent: a", 2],
        ["User-Agent: b", 3],
        ["User-Agent: -", 4],
      ],
    );
  });

  test("values are logged byte for byte (non-ASCII, long), and memory stays flat", async () => {
    const host = await start();
    const long = "agent-".repeat(2000);
    for (const ua of ["Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/120.0", "naïve/1.0 😀", long]) {
      host.clearLogs();
      host.http().request({ headers: { "user-agent": ua } }).response({}).complete();
      assert.deepEqual(host.logs("info"), [`User-Agent: ${ua}`]);
    }
    for (let i = 0; i < 600; i++) host.http().request({ headers: { "user-agent": `ua/${i}` } }).response({}).complete();
    const pages = host.memoryPages();
    for (let i = 0; i < 1200; i++) host.http().request({ headers: { "user-agent": long } }).response({}).complete();
    assert.equal(host.memoryPages(), pages);
  });

  test("below the host's log level the line is not emitted (Envoy drops it)", async () => {
    const host = await ProxyWasmHost.start({ wasm, rootId: "user_agent_logger", logLevel: "warn" });
    host.http().request({ headers: { "user-agent": "x" } }).complete();
    assert.deepEqual(host.logs(), []);
  });
});
