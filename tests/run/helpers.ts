// Fixtures for the `run` tests: a real node:http upstream on 127.0.0.1 that records what reaches it, a
// proxy started in-process with its log lines captured, a small HTTP client, and test filters: one
// compiled by asc from AssemblyScript written into a temp dir (local replies, traps, bodies, trailers) and
// one hand-written in WAT (an HTTP callout, which the SDK does not wrap yet).
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Agent, createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import wabtInit from "wabt";
import { wat } from "../../testkit/wat.ts";
import { buildFilters } from "../../scripts/build/compile.ts";
import { startProxy, type ProxyConfig, type RunningProxy } from "../../scripts/run/proxy.ts";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** build/<name>.wasm of an example, built by `npm run asbuild` (as the examples' own tests expect). */
export function exampleWasm(name: string): string {
  const path = join(repoRoot, "build", `${name}.wasm`);
  assert.ok(existsSync(path), `build/${name}.wasm is missing: run \`npm run asbuild\``);
  return path;
}

// ---- Upstream ----------------------------------------------------------------------------------------

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  trailers: Record<string, string | undefined>;
}

export interface Upstream {
  url: string;
  port: number;
  seen: SeenRequest[];
  close(): Promise<void>;
}

/**
 * An upstream that echoes: status 200, `x-upstream: yes`, body "<METHOD> <url> <request body>".
 * `/trailers` answers with a chunked body and a trailer; a custom handler can replace it all.
 */
export async function startUpstream(handler?: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<Upstream> {
  const seen: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body, trailers: { ...req.trailers } });
      if (handler) return handler(req, body, res);
      if (req.url === "/trailers") {
        res.writeHead(200, { "content-type": "text/plain", trailer: "x-checksum" });
        res.write("part one, ");
        res.write("part two");
        res.addTrailers({ "x-checksum": "abc123" });
        res.end();
        return;
      }
      const text = `${req.method} ${req.url} ${body}`;
      res.writeHead(200, { "content-type": "text/plain", "x-upstream": "yes", "content-length": Buffer.byteLength(text) });
      res.end(text);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// ---- Proxy -------------------------------------------------------------------------------------------

export interface TestProxy extends RunningProxy {
  /** Lines the proxy printed: filter logs ("[info] ...") and notices ("[proxy] ..."). */
  lines: string[];
  /** Access-log lines, one per request. */
  access: string[];
}

export async function proxyFor(upstream: Pick<Upstream, "url">, config: Partial<ProxyConfig> & Pick<ProxyConfig, "wasm" | "rootId">): Promise<TestProxy> {
  const lines: string[] = [];
  const access: string[] = [];
  const proxy = await startProxy({
    upstream: new URL(upstream.url),
    listen: { host: "127.0.0.1", port: 0 },
    report: (line) => lines.push(line),
    accessLog: (line) => access.push(line),
    ...config,
  });
  // Keep the getters (vm, inFlight, served) working: add to the object rather than copying it.
  return Object.assign(proxy, { lines, access }) as TestProxy;
}

// ---- Client ------------------------------------------------------------------------------------------

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  trailers: Record<string, string | undefined>;
}

export interface Send {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  /** Sent as separate writes (chunked) when an array. */
  body?: string | string[];
  trailers?: Record<string, string>;
  agent?: Agent;
}

/** One request to `base`; a new connection each time unless an agent is given. */
export function send(base: string, s: Send = {}): Promise<Reply> {
  const url = new URL(s.path ?? "/", base);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: s.method ?? "GET", headers: s.headers, agent: s.agent ?? new Agent({ keepAlive: false }) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8"), trailers: { ...res.trailers } }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    const parts = s.body === undefined ? [] : Array.isArray(s.body) ? s.body : [s.body];
    if (s.trailers) req.setHeader("transfer-encoding", "chunked");
    else if (typeof s.body === "string") req.setHeader("content-length", Buffer.byteLength(s.body));
    for (const part of parts) req.write(part);
    if (s.trailers) req.addTrailers(s.trailers);
    req.end();
  });
}

// ---- Test filters ------------------------------------------------------------------------------------

export interface Scratch {
  dir: string;
  remove(): void;
}

/** A scratch directory inside the repository (.tmp/ is git-ignored), so asc resolves relative imports. */
export function scratch(prefix: string): Scratch {
  const base = join(repoRoot, ".tmp");
  mkdirSync(base, { recursive: true });
  const dir = mkdtempSync(join(base, `${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * root id "run_probe", behaviour by request path:
 *   /deny...   local reply 403 "denied by the filter\n" + x-denied-by: run-probe (from on_request_headers)
 *   /trap...   traps (unreachable) in on_request_headers
 *   /loop...   never returns from on_request_headers
 *   /upper...  upper-cases the request body (buffered to end of stream); the response body gets
 *              " [filtered]" appended at its end
 *   /resp-trap...       traps in its first on_response_body (the response headers went through)
 *   /resp-loop...       lets the first response body chunk through, never returns from the second
 *   /resp-stall...      never returns from its first on_response_body (the response headers went through)
 *   /resp-held...       holds the response headers (Pause: the body waits behind them) for good
 * Always: request header x-probe-saw: <method>, response header x-probe: alive; logs request trailers.
 */
function probeFilterSource(sdk: string): string {
  return `
export * from "${sdk}/abi/http-filter-exports";
import { Action, HeaderPair, HttpContext, logInfo, registerRootContext, RootContext } from "${sdk}";

class ProbeRoot extends RootContext {
  createHttpContext(contextId: u32): HttpContext {
    return new Probe(contextId, this);
  }
}

class Probe extends HttpContext {
  path: string = "";
  responseChunks: u32 = 0;

  onRequestHeaders(headerCount: u32, endOfStream: bool): Action {
    const path = this.requestHeaders.get(":path");
    this.path = path !== null ? path : "";
    if (this.path.startsWith("/trap")) unreachable();
    if (this.path.startsWith("/loop")) {
      let spins: u64 = 0;
      while (spins >= 0) spins++;
    }
    if (this.path.startsWith("/deny")) {
      this.sendLocalResponse(403, "denied by the filter\\n", [new HeaderPair("x-denied-by", "run-probe")]);
      return Action.Pause;
    }
    const method = this.requestHeaders.get(":method");
    this.requestHeaders.add("x-probe-saw", method !== null ? method : "?");
    return Action.Continue;
  }

  onRequestBody(bodySize: u32, endOfStream: bool): Action {
    if (!this.path.startsWith("/upper")) return Action.Continue;
    if (!endOfStream) return Action.Pause;
    const body = this.requestBody.getString(0, bodySize);
    if (body !== null) this.requestBody.replaceString(body.toUpperCase());
    return Action.Continue;
  }

  onRequestTrailers(trailerCount: u32): Action {
    const value = this.requestTrailers.get("x-sum");
    logInfo("request trailer x-sum: " + (value !== null ? value : "-"));
    return Action.Continue;
  }

  onResponseHeaders(headerCount: u32, endOfStream: bool): Action {
    this.responseHeaders.add("x-probe", "alive");
    return this.path.startsWith("/resp-held") ? Action.Pause : Action.Continue;
  }

  onResponseBody(bodySize: u32, endOfStream: bool): Action {
    this.responseChunks++;
    if (this.path.startsWith("/resp-trap")) unreachable();
    if ((this.path.startsWith("/resp-loop") && this.responseChunks == 2) || this.path.startsWith("/resp-stall")) {
      let spins: u64 = 0;
      while (spins >= 0) spins++;
    }
    if (this.path.startsWith("/upper") && endOfStream) this.responseBody.appendString(" [filtered]");
    return Action.Continue;
  }
}

registerRootContext((contextId: u32): RootContext => new ProbeRoot(contextId), "run_probe");
`;
}

/** Compiles the AssemblyScript probe filter into `dir`; returns the .wasm path. The debug target compiles
 * in well under a second where release (converge) takes ~10 s on a busy 2-core machine. */
export async function buildProbeFilter(dir: string): Promise<string> {
  const folder = join(dir, "filters", "run-probe");
  mkdirSync(folder, { recursive: true });
  const entry = join(folder, "main.ts");
  const sdk = relative(folder, join(repoRoot, "assembly")).split("\\").join("/");
  writeFileSync(entry, probeFilterSource(sdk));
  const [built] = await buildFilters({ root: repoRoot, entries: [{ name: "run-probe", entry }], targets: ["debug"], outDir: dir });
  return built!.path;
}

/** Proxy-Wasm pairs serialization (count, sizes, NUL-terminated names and values) as a WAT data string. */
function pairsData(pairs: Array<[string, string]>): { text: string; size: number } {
  const sizes: number[] = [pairs.length];
  for (const [k, v] of pairs) sizes.push(Buffer.byteLength(k), Buffer.byteLength(v));
  const head = Buffer.alloc(sizes.length * 4);
  sizes.forEach((n, i) => head.writeUInt32LE(n, i * 4));
  const bytes = Buffer.concat([head, ...pairs.flatMap(([k, v]) => [Buffer.from(`${k}\0`), Buffer.from(`${v}\0`)])]);
  return { text: [...bytes].map((b) => "\\" + b.toString(16).padStart(2, "0")).join(""), size: bytes.length };
}

/**
 * An http-auth style filter in WAT, root id "callout_probe": each request pauses in on_request_headers
 * and dispatches GET /check (authority auth.local) to cluster "auth"; a 2xx answer continues the request,
 * anything else (or a failed callout) answers 403 "callout denied"; a callout that cannot be dispatched
 * (unknown cluster) answers 500 "no callout". The stream of each token is kept at 4096 + token.
 */
export async function buildCalloutFilter(): Promise<Uint8Array> {
  const headers = pairsData([
    [":method", "GET"],
    [":path", "/check"],
    [":authority", "auth.local"],
  ]);
  const source = `(module
  (import "env" "proxy_http_call" (func $http_call (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_get_header_map_value" (func $get_value (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_set_effective_context" (func $set_context (param i32) (result i32)))
  (import "env" "proxy_continue_stream" (func $continue (param i32) (result i32)))
  (import "env" "proxy_send_local_response" (func $reply (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (global $heap (mut i32) (i32.const 65536))
  (data (i32.const 256) "auth")
  (data (i32.const 272) ":status")
  (data (i32.const 288) "callout denied")
  (data (i32.const 320) "no callout")
  (data (i32.const 512) "${headers.text}")
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "malloc") (param $size i32) (result i32) (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.and (i32.add (i32.add (global.get $heap) (local.get $size)) (i32.const 7)) (i32.const -8)))
    (local.get $p))
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_request_headers") (param $stream i32) (param i32 i32) (result i32)
    (if (call $http_call (i32.const 256) (i32.const 4) (i32.const 512) (i32.const ${headers.size})
          (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 5000) (i32.const 64))
      (then
        (drop (call $reply (i32.const 500) (i32.const 0) (i32.const 0) (i32.const 320) (i32.const 10) (i32.const 0) (i32.const 0) (i32.const -1)))
        (return (i32.const 1))))
    (i32.store (i32.add (i32.const 4096) (i32.load (i32.const 64))) (local.get $stream))
    (i32.const 1))
  (func (export "proxy_on_http_call_response") (param $root i32) (param $token i32) (param i32 i32 i32)
    (drop (call $set_context (i32.load (i32.add (i32.const 4096) (local.get $token)))))
    (if (i32.eqz (call $get_value (i32.const 6) (i32.const 272) (i32.const 7) (i32.const 72) (i32.const 76)))
      (then
        (if (i32.eq (i32.load8_u (i32.load (i32.const 72))) (i32.const 50))
          (then (drop (call $continue (i32.const 0))) (return)))))
    (drop (call $reply (i32.const 403) (i32.const 0) (i32.const 0) (i32.const 288) (i32.const 14) (i32.const 0) (i32.const 0) (i32.const -1))))
)`;
  const wabt = await wabtInit();
  const module = wabt.parseWat("callout-probe.wat", source);
  try {
    module.validate();
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

/**
 * A WAT filter that never returns: from `_initialize` (start), or from on_request_headers (request): the
 * smallest module `run` accepts, for the tests of its watchdog.
 */
export function buildLoopingFilter(where: "start" | "request"): Promise<Uint8Array> {
  const spin = "(loop $spin (br $spin))";
  return wat(`(module
    (memory (export "memory") 1)
    (func (export "proxy_abi_version_0_2_1"))
    (func (export "malloc") (param i32) (result i32) (i32.const 1024))
    (func (export "_initialize") ${where === "start" ? spin : ""})
    (func (export "proxy_on_context_create") (param i32 i32))
    (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) ${where === "request" ? spin : ""} (i32.const 0)))`);
}
