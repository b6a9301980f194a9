// The tcp-byte-counter example through the emulator: bytes each way into counters, a gauge of open
// connections, and connections closed (with the offending data held back) once over the limit.
import { readFileSync } from "node:fs";
import { test } from "node:test";
import assert from "node:assert/strict";
import { ProxyWasmHost } from "../../scripts/host/index.ts";

const wasm = new URL("../../build/tcp-byte-counter.wasm", import.meta.url).pathname;

function start(pluginConfiguration = "") {
  return ProxyWasmHost.start({ wasm, rootId: "tcp_byte_counter", pluginConfiguration });
}

test("counts bytes each way and passes them through unchanged", async () => {
  const host = await start();
  const connection = host.tcp();
  assert.equal(connection.open(), 0);
  assert.equal(host.metric("tcp_byte_counter.active_connections"), 1);

  assert.equal(connection.downstreamData("hello"), 0);
  assert.equal(connection.downstreamData(" there"), 0);
  assert.equal(connection.upstreamData("HTTP/1.0 200 OK\r\n"), 0);
  assert.equal(connection.upstreamBytes.toString(), "hello there");
  assert.equal(connection.downstreamBytes.toString(), "HTTP/1.0 200 OK\r\n");
  assert.equal(host.metric("tcp_byte_counter.downstream_bytes"), 11);
  assert.equal(host.metric("tcp_byte_counter.upstream_bytes"), 17);

  connection.closeDownstream("remote");
  assert.equal(connection.completed, true);
  assert.equal(host.metric("tcp_byte_counter.active_connections"), 0);
  assert.equal(host.metric("tcp_byte_counter.connections_closed"), undefined, "never defined: nobody went over a limit");
  assert.deepEqual(host.logs("info"), [
    `tcp_byte_counter: connection ${connection.id} closed by the client`,
    `tcp_byte_counter: connection ${connection.id}: 11 bytes from the client, 17 from the upstream`,
  ]);
});

test("counters add up over connections", async () => {
  const host = await start();
  for (const payload of ["a", "bb", "ccc"]) {
    const connection = host.tcp();
    connection.downstreamData(payload);
    connection.upstreamData(payload + payload, true);
    connection.complete();
  }
  assert.equal(host.metric("tcp_byte_counter.downstream_bytes"), 6);
  assert.equal(host.metric("tcp_byte_counter.upstream_bytes"), 12);
  assert.equal(host.metric("tcp_byte_counter.active_connections"), 0);
});

test("closes a connection that goes over max_bytes_per_connection and holds the data back", async () => {
  const host = await start('{"max_bytes_per_connection": 10}');
  const connection = host.tcp();
  assert.equal(connection.downstreamData("12345"), 0);
  assert.equal(connection.upstreamData("abcde"), 0, "exactly at the limit is fine");
  assert.equal(connection.upstreamData("f"), 1, "over the limit: paused");
  assert.equal(connection.closedBy, "wasm_downstream_close");
  assert.equal(connection.completed, true);
  assert.equal(connection.downstreamBytes.toString(), "abcde");
  assert.equal(host.metric("tcp_byte_counter.connections_closed"), 1);
  assert.equal(host.metric("tcp_byte_counter.active_connections"), 0);
  assert.deepEqual(host.logs("info"), [
    `tcp_byte_counter: closing connection ${connection.id} after 11 bytes`,
    `tcp_byte_counter: connection ${connection.id} closed by the proxy`,
    `tcp_byte_counter: connection ${connection.id}: 5 bytes from the client, 6 from the upstream`,
  ]);

  const other = host.tcp();
  assert.equal(other.downstreamData("0123456789"), 0, "the limit is per connection");
  other.complete();
});

test("rejects a limit that is not a non-negative integer", async () => {
  for (const bad of ['{"max_bytes_per_connection": -1}', '{"max_bytes_per_connection": "1k"}', "{}", "nope"]) {
    const host = await start(bad);
    assert.equal(host.failState, "ConfigureFailed", bad);
    assert.match(host.logs("critical")[0] ?? "", /^tcp_byte_counter: configuration /, bad);
  }
  assert.ok((await start('{"max_bytes_per_connection": 0}')).configured, "0 means no limit");
});

test("imports only the ABI 0.2.1 functions it uses", () => {
  const imports = WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(wasm)));
  assert.deepEqual(imports.map((i) => `${i.module}.${i.name}`).sort(), [
    "env.proxy_close_stream",
    "env.proxy_define_metric",
    "env.proxy_get_buffer_bytes",
    "env.proxy_get_log_level",
    "env.proxy_get_property",
    "env.proxy_increment_metric",
    "env.proxy_log",
  ]);
});
