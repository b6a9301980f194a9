// `proxy-wasm run` as a user runs it: the esbuild bundle of the CLI in a child process, a real upstream,
// "listening on <url>" on stdout, the filter's logs on stderr, SIGTERM/SIGINT → exit 0; usage errors → 2.
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { build } from "esbuild";
import { cliBundleOptions } from "../../scripts/bundle-cli.mjs";
import { exampleWasm, repoRoot, scratch, send, startUpstream, type Scratch, type Upstream } from "./helpers.ts";

/** The CLI bundled as `npm run build:cli` does (same esbuild options), into a scratch dir: dist/ is left alone. */
async function bundleCli(dir: string): Promise<string> {
  const outfile = join(dir, "cli.js");
  await build(cliBundleOptions(outfile));
  return outfile;
}

interface Running {
  child: ChildProcessWithoutNullStreams;
  url: string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

describe("run: the CLI", { timeout: 60_000 }, () => {
  let dir: Scratch;
  let cli: string;
  let upstream: Upstream;
  before(async () => {
    dir = scratch("run-cli");
    cli = await bundleCli(dir.dir);
    upstream = await startUpstream();
    exampleWasm("add-header");
    exampleWasm("user-agent-logger");
  });
  after(async () => {
    await upstream.close();
    dir.remove();
  });

  function runSync(args: string[]) {
    return spawnSync(process.execPath, [cli, ...args], { cwd: repoRoot, encoding: "utf8", timeout: 20_000 });
  }

  /** Starts `proxy-wasm run ...` and resolves once it printed "listening on <url>". */
  function start(args: string[]): Promise<Running> {
    const child = spawn(process.execPath, [cli, "run", ...args], { cwd: repoRoot });
    let out = "";
    let err = "";
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on("exit", (code, signal) => resolve({ code, signal })),
    );
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "listening on" within 15 s; stderr: ${err}`)), 15_000);
      child.stdout.on("data", (c: Buffer) => {
        out += c.toString();
        const match = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
        if (match) {
          clearTimeout(timer);
          resolve({ child, url: match[1]!, stderr: () => err, exit });
        }
      });
      void exit.then(({ code }) => {
        clearTimeout(timer);
        reject(new Error(`exited with ${code} before listening; stderr: ${err}`));
      });
    });
  }

  test("--help: the command is listed and documents its options", () => {
    const top = runSync(["--help"]);
    assert.match(top.stdout, /^\s+run\s+run a filter in a local HTTP proxy/m);
    const help = runSync(["run", "--help"]);
    assert.equal(help.status, 0);
    for (const word of ["--upstream", "--listen", "--config-file", "--vm-config", "--root-id", "--cluster", "--fail-open", "--log-level", "--trace", "--allow-remote", "SIGTERM"]) {
      assert.ok(help.stdout.includes(word), `help mentions ${word}`);
    }
  });

  test("usage errors exit 2 with one line, before listening", () => {
    const cases: Array<[string[], RegExp]> = [
      [["run", "add-header"], /^error: --upstream http:\/\/127\.0\.0\.1:PORT is required$/],
      [["run", "add-header", "--upstream", "ftp://x"], /must be an http:\/\/ or https:\/\/ URL/],
      [["run", "add-header", "--upstream", upstream.url, "--listen", "0.0.0.0:0"], /0\.0\.0\.0 is not a loopback address/],
      [["run", "add-header", "--upstream", upstream.url, "--listen", "127.0.0.1:99999"], /is not host:port/],
      [["run", "no-such-filter", "--upstream", upstream.url], /"no-such-filter" is neither a \.wasm file nor a built filter/],
      [["run", "add-header", "--upstream", upstream.url, "--cluster", "auth"], /--cluster: "auth" is not name=http/],
      [["run", "add-header", "--upstream", upstream.url, "--log-level", "loud"], /--log-level must be one of/],
      [["run", "add-header", "--upstream", upstream.url, "--config", "a", "--config-file", "b"], /use --config or --config-file, not both/],
      [["run", "add-header", "--upstream", upstream.url, "--bogus"], /^error: unknown option --bogus for run \(try --help\)$/],
    ];
    for (const [args, pattern] of cases) {
      const r = runSync(args);
      assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr.trim(), pattern);
      assert.equal(r.stderr.trim().split("\n").length, 1, "one line");
      assert.equal(r.stdout, "");
    }
  });

  test("a filter that rejects its configuration: exit 1, the filter's reason on stderr", () => {
    const r = runSync(["run", "add-header", "--upstream", upstream.url, "--listen", "127.0.0.1:0", "--config", "{broken"]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^\[critical\] add_header: configuration is not valid JSON/m);
    assert.match(r.stderr, /^error: the filter did not start \(ConfigureFailed\)/m);
  });

  test("add-header: curl-like request sees hello: world; SIGTERM stops it with exit 0", async () => {
    const proxy = await start(["add-header", "--upstream", upstream.url, "--listen", "127.0.0.1:0"]);
    const reply = await send(proxy.url, { headers: { "user-agent": "curl/8.0" } });
    assert.equal(reply.status, 200);
    assert.equal(reply.headers["hello"], "world");
    proxy.child.kill("SIGTERM");
    const { code } = await proxy.exit;
    assert.equal(code, 0, proxy.stderr());
    assert.match(proxy.stderr(), /^\[proxy\] add-header \(root id add_header\) → http:\/\/127\.0\.0\.1:\d+\/$/m);
    assert.match(proxy.stderr(), /^\[proxy\] SIGTERM: stopping \(0 request\(s\) in flight, 1 served\)$/m);
  });

  test("user-agent-logger: the filter's log line is printed on stderr; SIGINT stops it with exit 0", async () => {
    const proxy = await start(["user-agent-logger", "--upstream", upstream.url, "--listen", "127.0.0.1:0"]);
    await send(proxy.url, { headers: { "user-agent": "curl/8.0" } });
    proxy.child.kill("SIGINT");
    const { code } = await proxy.exit;
    assert.equal(code, 0, proxy.stderr());
    assert.match(proxy.stderr(), /^\[info\] User-Agent: curl\/8\.0$/m);
  });

  test("a wasm file path with --root-id, --config-file and --trace", async () => {
    const config = join(dir.dir, "config.json");
    writeFileSync(config, '{"name":"x-from-file","value":"1"}');
    const proxy = await start([exampleWasm("add-header"), "--root-id", "add_header", "--config-file", config, "--trace", "--upstream", upstream.url, "--listen", "127.0.0.1:0"]);
    const reply = await send(proxy.url);
    assert.equal(reply.headers["x-from-file"], "1");
    proxy.child.kill("SIGTERM");
    assert.equal((await proxy.exit).code, 0);
    assert.match(proxy.stderr(), /^\[host->vm\] proxy_on_response_headers\(2, /m);
  });

  test("the port is taken: exit 1, one line", async () => {
    const proxy = await start(["add-header", "--upstream", upstream.url, "--listen", "127.0.0.1:0"]);
    try {
      const taken = new URL(proxy.url).host;
      const r = runSync(["run", "add-header", "--upstream", upstream.url, "--listen", taken]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, new RegExp(`^error: cannot listen on ${taken.replace(/\./g, "\\.")}: address in use$`, "m"));
    } finally {
      proxy.child.kill("SIGTERM");
      await proxy.exit;
    }
  });
});
