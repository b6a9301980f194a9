// `proxy-wasm run` as a user runs it: the esbuild bundle of the CLI in a child process, a real upstream,
// "listening on <url>" on stdout, the filter's logs on stderr, SIGTERM/SIGINT → exit 0; usage errors → 2.
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { copyFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { build } from "esbuild";
import { cliBundleOptions } from "../../scripts/bundle-cli.mjs";
import { buildLoopingFilter, exampleWasm, repoRoot, scratch, send, startUpstream, type Scratch, type Upstream } from "./helpers.ts";

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
  stdout: () => string;
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
          resolve({ child, url: match[1]!, stderr: () => err, stdout: () => out, exit });
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
    for (const word of ["--upstream", "--listen", "--config-file", "--vm-config", "--root-id", "--cluster", "--fail-open", "--log-level", "--trace", "--allow-remote", "--callback-timeout", "--route-timeout", "--buffer-limit", "--quiet", "--debug", "--watch", "SIGTERM"]) {
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
      [["run", "add-header", "--upstream", upstream.url, "--callback-timeout", "0"], /--callback-timeout: "0" is not a duration \(e\.g\. 500ms, 3s, 2m\)/],
      [["run", "add-header", "--upstream", upstream.url, "--route-timeout", "soon"], /--route-timeout: "soon" is not a duration \(e\.g\. 500ms, 3s, 2m; 0 for none\)/],
      [["run", "add-header", "--upstream", upstream.url, "--buffer-limit", "2GiB"], /--buffer-limit: "2GiB" is not a size from 1 byte to 1GiB/],
      [["run", "add-header", "--upstream", "localhost"], /--upstream: "localhost" is not an address \(expected http:\/\/host:port or host:port\)/],
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
    // --trace: what went into the filter and out of it, with header names and values (not raw pointers).
    assert.match(proxy.stderr(), /^\[trace\] #1 client → filter: request headers, end_of_stream=true: :authority: 127\.0\.0\.1:\d+ \| :path: \/ \| :method: GET \|/m);
    assert.match(proxy.stderr(), /^\[trace\] #1 filter → client: response headers, end_of_stream=false: :status: 200 \| .*\| x-from-file: 1$/m);
    assert.match(proxy.stderr(), /^\[trace\] #1 filter → client: response body \d+ bytes, end_of_stream=true$/m);
    assert.doesNotMatch(proxy.stderr(), /\[host->vm\]/);
  });

  test("a filter looping in a request: SIGTERM still stops the proxy within two seconds", async () => {
    const looping = join(dir.dir, "looping.wasm");
    writeFileSync(looping, await buildLoopingFilter("request"));
    const proxy = await start([looping, "--root-id", "x", "--callback-timeout", "30s", "--upstream", upstream.url, "--listen", "127.0.0.1:0"]);
    const stuck = send(proxy.url, { path: "/spin" }).catch((error: Error) => error);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the VM is looping now
    const signalled = Date.now();
    proxy.child.kill("SIGTERM");
    const { code } = await proxy.exit;
    const elapsed = Date.now() - signalled;
    assert.equal(code, 0, proxy.stderr());
    assert.ok(elapsed < 2000, `stopped ${elapsed} ms after SIGTERM`);
    assert.ok((await stuck) instanceof Error, "the stuck request was aborted");
    assert.match(proxy.stderr(), /^\[proxy\] 1 request\(s\) still in flight after 1000 ms: aborted$/m);
  });

  test("a filter whose _initialize loops: exit 1 and which call did not return", async () => {
    const looping = join(dir.dir, "looping-start.wasm");
    writeFileSync(looping, await buildLoopingFilter("start"));
    const started = Date.now();
    const r = runSync(["run", looping, "--root-id", "x", "--callback-timeout", "500ms", "--upstream", upstream.url, "--listen", "127.0.0.1:0"]);
    assert.equal(r.status, 1, r.stderr);
    assert.ok(Date.now() - started < 10_000);
    assert.match(r.stderr, /^error: the filter did not start: _initialize did not return within 500 ms \(--callback-timeout\)$/m);
    assert.equal(r.stdout, "");
  });

  test("userinfo in --upstream: sent as Basic credentials, never printed; usage errors hide it too", async () => {
    const withCredentials = upstream.url.replace("http://", "http://alice:s3cret@");
    const proxy = await start(["add-header", "--upstream", withCredentials, "--listen", "127.0.0.1:0"]);
    await send(proxy.url, { path: "/private" });
    const own = await send(proxy.url, { path: "/own", headers: { authorization: "Bearer mine" } });
    proxy.child.kill("SIGTERM");
    await proxy.exit;
    const seen = upstream.seen.filter((r) => r.url === "/private" || r.url === "/own");
    assert.equal(seen[0]!.headers["authorization"], `Basic ${Buffer.from("alice:s3cret").toString("base64")}`);
    assert.equal(seen[1]!.headers["authorization"], "Bearer mine", "the request's own credentials win");
    assert.equal(own.status, 200);
    assert.match(proxy.stderr(), /→ http:\/\/127\.0\.0\.1:\d+\/ \(Basic credentials from the URL\)/);
    assert.doesNotMatch(proxy.stderr() + proxy.stdout(), /s3cret|alice/);

    for (const bad of ["ftp://alice:s3cret@127.0.0.1:1", "alice:s3cret@127.0.0.1:1/x?q", "http://alice:s3cret@"]) {
      const r = runSync(["run", "add-header", "--upstream", bad]);
      assert.equal(r.status, 2, r.stderr);
      assert.doesNotMatch(r.stderr, /s3cret|alice/, r.stderr);
    }
    const cluster = runSync(["run", "add-header", "--upstream", upstream.url, "--cluster", "auth=ftp://bob:hunter2@x"]);
    assert.equal(cluster.status, 2);
    assert.doesNotMatch(cluster.stderr, /hunter2|bob/);
  });

  test("--upstream host:port means http://host:port; an access-log line per request on stdout, none with --quiet", async () => {
    const proxy = await start(["add-header", "--upstream", `127.0.0.1:${upstream.port}`, "--listen", "127.0.0.1:0"]);
    await send(proxy.url, { method: "POST", path: "/logged?x=1", body: "abc", headers: { "user-agent": "curl/8.0" } });
    proxy.child.kill("SIGTERM");
    await proxy.exit;
    assert.match(
      proxy.stdout(),
      /^\[\d{4}-\d\d-\d\dT[\d:.]+Z\] "POST \/logged\?x=1 HTTP\/1\.1" 200 - via_upstream 3 \d+ \d+ "curl\/8\.0" "[0-9a-f-]{36}" "127\.0\.0\.1:\d+"$/m,
    );
    const quiet = await start(["add-header", "--upstream", upstream.url, "--listen", "127.0.0.1:0", "--quiet"]);
    await send(quiet.url);
    quiet.child.kill("SIGTERM");
    await quiet.exit;
    assert.equal(quiet.stdout().trim().split("\n").length, 1, "only 'listening on'");
  });

  test("--watch on a .wasm without sources: a new file is loaded into a new VM", async () => {
    const module = join(dir.dir, "watched.wasm");
    copyFileSync(exampleWasm("add-header"), module);
    const proxy = await start([module, "--root-id", "add_header", "--watch", "--upstream", upstream.url, "--listen", "127.0.0.1:0"]);
    try {
      assert.match(proxy.stderr(), /^\[watch\] watching .*watched\.wasm$/m);
      copyFileSync(exampleWasm("add-header"), `${module}.tmp`);
      renameSync(`${module}.tmp`, module); // as compilers replace their output
      for (let waited = 0; !/reloaded/.test(proxy.stderr()); waited += 50) {
        assert.ok(waited < 20_000, proxy.stderr());
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.match(proxy.stderr(), /^\[watch\] watched\.wasm: reloaded \(\d+ bytes\): new requests go to VM \d+, requests in flight finish on VM \d+$/m);
      assert.equal((await send(proxy.url)).headers["hello"], "world");
    } finally {
      proxy.child.kill("SIGTERM");
      assert.equal((await proxy.exit).code, 0);
    }
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
