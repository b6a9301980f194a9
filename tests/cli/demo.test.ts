// The Quickstart's first command, `npm run demo`, run as a user runs it: it must build every example and
// show add-header and user-agent-logger working in the emulator, behind the local proxy and shipped.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

const root = new URL("../..", import.meta.url).pathname;

test("npm run demo builds the examples and shows them working", () => {
  const result = spawnSync("npm", ["run", "-s", "demo"], { cwd: root, encoding: "utf8", timeout: 180_000 });
  const output = `${result.stdout}${result.stderr}`;
  assert.equal(result.status, 0, output);
  assert.match(output, /build\/add-header\.wasm\s+[\d,]+\s+[\d,]+/);
  assert.match(output, /\(empty\)\s+->\s+response gets hello: world/);
  assert.match(output, /'\{"name": "x-demo"\}'\s+->\s+rejected: add_header: configuration needs/);
  assert.match(output, /request with user-agent: curl\/8\.4\.0\s+-> \[info\]\s+User-Agent: curl\/8\.4\.0/);
  assert.match(output, /add-header\s+GET \/hello -> 200, hello: world, body "upstream saw GET \/hello"/);
  assert.match(output, /manifest digest\s+sha256:[0-9a-f]{64}/);
  assert.match(output, /kind: WasmPlugin[\s\S]*pluginName: add_header/);
  assert.doesNotMatch(output, /\n\s+at .*:\d+:\d+\)?\n/, "no stack trace");
});
