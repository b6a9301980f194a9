// scripts/conformance.ts (npm run conformance -- --pwhost PATH) compares the emulator with pwhost; it needs
// pwhost, so npm test only checks that it skips without it, refuses a bad path in one line, and that
// every scenario's module is valid wasm the emulator starts as its scenario expects.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { EXAMPLES, PROBES } from "../../testkit/conformance-scenarios.ts";
import { ProxyWasmHost } from "../../scripts/host/index.ts";

const root = new URL("../../", import.meta.url).pathname;
const conformance = (args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "scripts/conformance.ts", ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, PWHOST: "" },
    timeout: 60_000,
  });

test("without PWHOST or --pwhost it says it skipped and exits 0", () => {
  const run = conformance([]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^conformance: skipped \(set PWHOST or pass --pwhost PATH/);
});

test("a missing pwhost or an unknown argument is one line and exit 2", () => {
  const missing = conformance(["--pwhost", "/nonexistent/pwhost"]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^conformance: no pwhost at "\/nonexistent\/pwhost"\n/);
  const unknown = conformance(["--fast"]);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown argument "--fast"/);
});

test("every scenario's module compiles, and those that should start do", async () => {
  const failing = /trap in on_configure|import the ABI version does not have|no allocator|wrong type/;
  assert.ok(PROBES.length >= 15 && EXAMPLES.length >= 9);
  for (const s of [...PROBES, ...EXAMPLES]) {
    const wasm = await s.wasm();
    assert.ok(WebAssembly.validate(wasm as Uint8Array<ArrayBuffer>), s.name);
    const host = await ProxyWasmHost.start({ wasm, rootId: s.rootId, pluginConfiguration: s.pluginConfiguration, clusters: [] });
    assert.equal(host.failed, failing.test(s.name), `${s.name}: ${host.failMessage}`);
  }
});
