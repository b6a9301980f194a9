// Trap reports name the TypeScript line: the debug build's source map (build/<name>.debug.wasm.map) turns
// the wasm offsets of a trap into "at Probe#onRequestHeaders (…/main.ts:17:40)", in the emulator's
// failMessage, in `run`'s output (in-process and the CLI with --debug) and for a VM stopped in a loop.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { after, before, describe, test } from "node:test";
import { build } from "esbuild";
import { cliBundleOptions } from "../../scripts/bundle-cli.mjs";
import { ProxyWasmHost } from "../../scripts/host/index.ts";
import { buildProbeFilter, proxyFor, repoRoot, scratch, send, startUpstream, type Scratch, type Upstream } from "./helpers.ts";

describe("trap reports name the TypeScript line", { timeout: 120_000 }, () => {
  let dir: Scratch;
  let wasm: string;
  let upstream: Upstream;
  /** "<file>:<line>:<column>" of `text` in the probe's source, as the source map names it. */
  let where: (text: string) => string;
  before(async () => {
    dir = scratch("run-trap");
    wasm = await buildProbeFilter(dir.dir);
    upstream = await startUpstream();
    const file = join(dir.dir, "filters", "run-probe", "main.ts");
    const lines = readFileSync(file, "utf8").split("\n");
    where = (text) => {
      const line = lines.findIndex((l) => l.includes(text));
      assert.ok(line >= 0, text);
      return `${relative(repoRoot, file)}:${line + 1}:${lines[line]!.indexOf(text) + 1}`;
    };
  });
  after(async () => {
    await upstream.close();
    dir.remove();
  });

  test("the emulator's failMessage: 'at' lines from the source map, then cpp-host's backtrace", async () => {
    const host = await ProxyWasmHost.start({ wasm, rootId: "run_probe" });
    host.http().request({ headers: { ":path": "/trap" } });
    const lines = host.failMessage.split("\n");
    assert.equal(lines[0], "Function: proxy_on_request_headers failed: Uncaught RuntimeError: unreachable");
    assert.equal(lines[1], `    at Probe#onRequestHeaders (${where("unreachable()")})`);
    assert.match(lines[2]!, /^ {4}at onRequestHeaders \(assembly\/dispatcher\.ts:\d+:\d+\)$/);
    assert.ok(lines.includes("Proxy-Wasm plugin in-VM backtrace:"));

    const bytes = readFileSync(wasm); // bytes: no file to find a map next to, unless given
    const unmapped = await ProxyWasmHost.start({ wasm: bytes, rootId: "run_probe" });
    unmapped.http().request({ headers: { ":path": "/trap" } });
    assert.doesNotMatch(unmapped.failMessage, /\n {4}at /);
    const given = await ProxyWasmHost.start({ wasm: bytes, rootId: "run_probe", sourceMap: `${wasm}.map` });
    given.http().request({ headers: { ":path": "/trap" } });
    assert.ok(given.failMessage.includes(`at Probe#onRequestHeaders (${where("unreachable()")})`));
    const off = await ProxyWasmHost.start({ wasm, rootId: "run_probe", sourceMap: false });
    off.http().request({ headers: { ":path": "/trap" } });
    assert.doesNotMatch(off.failMessage, /\n {4}at /);
  });

  test("run: the trap report and the stack of a VM stopped in a loop name the source", async () => {
    const proxy = await proxyFor(upstream, { wasm, rootId: "run_probe", callbackTimeoutMs: 300 });
    try {
      assert.equal((await send(proxy.url, { path: "/loop" })).status, 503);
      for (let waited = 0; waited < 5000 && !proxy.lines.some((l) => l.includes("at Probe#")); waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const loopLine = where("while (spins >= 0) spins++;").replace(/:\d+$/, "");
      assert.ok(
        proxy.lines.some((l) => l.startsWith(`[proxy]     at Probe#onRequestHeaders (${loopLine}:`)),
        `the loop's line ${loopLine}:\n${proxy.lines.join("\n")}`,
      );
      assert.equal((await send(proxy.url, { path: "/trap" })).status, 503);
      const report = proxy.lines.find((l) => l.startsWith("[proxy] the filter failed (RuntimeError)"));
      assert.ok(report?.includes(`\n    at Probe#onRequestHeaders (${where("unreachable()")})\n`), report);
    } finally {
      await proxy.close();
    }
  });

  test("proxy-wasm run --debug <name>: build/<name>.debug.wasm and its map", async () => {
    // A project directory with the debug build where `proxy-wasm build --debug` puts it.
    const project = join(dir.dir, "project");
    mkdirSync(join(project, "build"), { recursive: true });
    copyFileSync(wasm, join(project, "build", "run-probe.debug.wasm"));
    copyFileSync(`${wasm}.map`, join(project, "build", "run-probe.debug.wasm.map"));
    const cli = join(dir.dir, "cli.js");
    await build(cliBundleOptions(cli));
    const child = spawn(process.execPath, [cli, "run", "run-probe", "--debug", "--root-id", "run_probe", "--upstream", upstream.url, "--listen", "127.0.0.1:0"], {
      cwd: project,
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      for (let waited = 0; !/listening on /.test(out); waited += 50) {
        assert.ok(waited < 15_000, `not listening: ${err}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const url = /listening on (\S+)/.exec(out)![1]!;
      assert.equal((await send(url, { path: "/trap" })).status, 503);
      child.kill("SIGTERM");
      assert.equal(await exited, 0);
      assert.ok(err.includes(`\n    at Probe#onRequestHeaders (${where("unreachable()")})\n`), err);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
