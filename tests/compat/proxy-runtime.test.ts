// The proxy-runtime compatibility entry points (assembly/compat/proxy-runtime): the add-header filter
// from @solo-io/proxy-runtime's README, with only its import paths changed, compiled by our toolchain
// and run in the emulator; a filter using the rest of the covered surface; and, for contrast, the same
// README filter built against the real proxy-runtime 0.1.8 (AssemblyScript 0.14), which traps on an
// empty configuration.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { buildFilters } from "../../scripts/build/compile.ts";
import { ProxyWasmHost } from "../../scripts/host/index.ts";
import { buildProxyRuntimeAddHeader, proxyRuntimeReadmeFilter } from "../../testkit/anchors.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const COMPAT = join(ROOT, "assembly/compat/proxy-runtime");

/** `source` with its two import paths pointed at our compat entry points, and nothing else changed. */
function withCompatImports(source: string, fromDir: string): string {
  const compat = relative(fromDir, COMPAT);
  const changed = source
    .replace(`from "@solo-io/proxy-runtime/proxy"`, `from "${compat}/proxy"`)
    .replace(`from "@solo-io/proxy-runtime"`, `from "${compat}"`);
  const before = source.split("\n");
  const after = changed.split("\n");
  assert.equal(after.length, before.length);
  const differing = before.flatMap((line, i) => (line === after[i] ? [] : [line]));
  assert.equal(differing.length, 2, "exactly the two import lines change");
  for (const line of differing) assert.match(line, /^(export \*|import \{.*\}) from "@solo-io\/proxy-runtime(\/proxy)?";/);
  return changed;
}

/** A filter in proxy-runtime style using the rest of the surface the compat layer covers. */
const SURFACE_FILTER = (compat: string) => `
export * from "${compat}/proxy";
import {
  RootContext, Context, registerRootContext, log, LogLevelValues, WasmResultValues, GrpcStatusValues,
  FilterHeadersStatusValues, FilterDataStatusValues, FilterTrailersStatusValues, stream_context,
  send_local_response, continue_request, get_property, get_buffer_bytes, get_buffer_status, BufferTypeValues, HeaderPair, lastStatus, proxy_set_effective_context,
  BaseContext, Counter, Gauge, Histogram,
} from "${compat}";

function pair(key: string, value: string): HeaderPair {
  return new HeaderPair(String.UTF8.encode(key), String.UTF8.encode(value));
}

// Answers for /auth requests; like proxy-runtime's examples, the context comes back as a BaseContext.
function onAuthResponse(origin_context: BaseContext, headers: u32, body_size: usize, trailers: u32): void {
  if (headers == 0) {
    send_local_response(503, "auth unreachable", new ArrayBuffer(0), [], GrpcStatusValues.Unavailable);
    return;
  }
  const user = String.UTF8.decode(get_buffer_bytes(BufferTypeValues.HttpCallResponseBody, 0, <u32>body_size));
  if (stream_context.headers.http_callback.get(":status") == "200") {
    stream_context.headers.request.add("x-user", user);
    log(LogLevelValues.info, "auth ok for " + origin_context.context_id.toString() + " continue=" + show(continue_request()));
  } else {
    send_local_response(403, "not authorized", String.UTF8.encode("no " + user), [], GrpcStatusValues.PermissionDenied);
  }
}

// The callback may also take the Context, as proxy-runtime's httpCall signature declares it.
function onAuthResponseToContext(origin_context: Context, headers: u32, body_size: usize, trailers: u32): void {
  onAuthResponse(origin_context, headers, body_size, trailers);
}

function show(status: i32): string {
  return status.toString();
}

class SurfaceRoot extends RootContext {
  requests: Counter = new Counter("compat_requests");
  onConfigure(configuration_size: u32): bool {
    const accepted = super.onConfigure(configuration_size);
    log(LogLevelValues.info, "configuration=" + this.getConfiguration());
    return accepted;
  }
  createContext(context_id: u32): Context {
    return new Surface(context_id, this);
  }
}

class Surface extends Context {
  constructor(context_id: u32, root_context: SurfaceRoot) {
    super(context_id, root_context);
  }
  onRequestHeaders(a: u32, end_of_stream: bool): FilterHeadersStatusValues {
    const request = stream_context.headers.request;
    (<SurfaceRoot>this.root_context).requests.increment(1);
    const path = request.get(":path");
    if (path == "/auth" || path == "/auth-context") {
      const headers = [pair(":method", "GET"), pair(":path", "/check"), pair(":authority", "auth")];
      const result = path == "/auth"
        ? this.root_context.httpCall("auth", headers, new ArrayBuffer(0), [], 1000, this, onAuthResponse)
        : this.root_context.httpCall("auth", headers, new ArrayBuffer(0), [], 1000, this, onAuthResponseToContext);
      log(LogLevelValues.info, "httpCall=" + show(result));
      return result == WasmResultValues.Ok ? FilterHeadersStatusValues.StopIteration : FilterHeadersStatusValues.Continue;
    }
    if (request.get(":path") == "/metrics") {
      const gauge = new Gauge("compat_gauge");
      const histogram = new Histogram("compat_histogram");
      log(LogLevelValues.info, "gauge=" + show(gauge.record(gauge.metric_id, 7)) + " histogram record=" + show(histogram.record(histogram.metric_id, 3)) + " increment=" + show(histogram.increment(1)));
      return FilterHeadersStatusValues.Continue;
    }
    const missing = request.get("x-missing");
    log(LogLevelValues.info, "missing=[" + missing + "] status=" + show(lastStatus()));
    log(LogLevelValues.info, "replace=" + show(request.replace("x-replaced", "new")) + " remove=" + show(request.remove("x-remove")));
    log(LogLevelValues.info, "response add now=" + show(stream_context.headers.response.add("x-early", "1")));
    log(LogLevelValues.info, "root id=" + String.UTF8.decode(get_property("plugin_root_id")));
    const absent = get_property("no\\0such");
    log(LogLevelValues.info, "absent property=" + absent.byteLength.toString() + " status=" + show(lastStatus()));
    if (request.get(":path") == "/deny") {
      const headers = [new HeaderPair(String.UTF8.encode("x-why"), String.UTF8.encode("compat"))];
      const sent = send_local_response(403, "denied by compat", String.UTF8.encode("no"), headers, GrpcStatusValues.PermissionDenied);
      log(LogLevelValues.info, "local response=" + show(sent));
      return FilterHeadersStatusValues.StopIteration;
    }
    // Like Envoy, this detaches the request headers: later reads in this callback get BadArgument.
    log(LogLevelValues.info, "continue=" + show(continue_request()));
    log(LogLevelValues.info, "after continue=[" + request.get(":path") + "] status=" + show(lastStatus()));
    return FilterHeadersStatusValues.Continue;
  }
  onRequestBody(body_buffer_length: usize, end_of_stream: bool): FilterDataStatusValues {
    if (!end_of_stream) return FilterDataStatusValues.StopIterationAndBuffer;
    const body = get_buffer_bytes(BufferTypeValues.HttpRequestBody, 0, <u32>body_buffer_length);
    const status = get_buffer_status(BufferTypeValues.HttpRequestBody);
    log(LogLevelValues.info, "request body=" + String.UTF8.decode(body) + " length=" + status.length.toString() + " status=" + show(status.result));
    return FilterDataStatusValues.Continue;
  }
  onResponseHeaders(a: u32, end_of_stream: bool): FilterHeadersStatusValues {
    const response = stream_context.headers.response;
    const headers = response.get_headers();
    headers.push(new HeaderPair(String.UTF8.encode("x-count"), String.UTF8.encode(headers.length.toString())));
    log(LogLevelValues.info, "set_headers=" + show(response.set_headers(headers)));
    log(LogLevelValues.info, "effective self=" + show(this.setEffectiveContext()) + " unknown=" + show(proxy_set_effective_context(999)));
    return FilterHeadersStatusValues.Continue;
  }
  onResponseTrailers(s: u32): FilterTrailersStatusValues {
    const late = stream_context.headers.request.add("x-late", "1");
    log(LogLevelValues.info, "late request add=" + show(late) + " ok=" + (late == WasmResultValues.Ok ? "yes" : "no"));
    return FilterTrailersStatusValues.Continue;
  }
  onLog(): void {
    log(LogLevelValues.info, "log " + this.context_id.toString());
  }
}

registerRootContext((context_id: u32) => { return new SurfaceRoot(context_id); }, "surface");
`;


describe("proxy-runtime compatibility", { timeout: 300_000 }, () => {
  let dir: string;
  let addHeaderWasm: string;
  let surfaceWasm: string;
  let originalWasm: Promise<string>;

  before(async () => {
    mkdirSync(join(ROOT, ".tmp"), { recursive: true });
    dir = mkdtempSync(join(ROOT, ".tmp", "compat-"));
    writeFileSync(join(dir, "add-header.ts"), withCompatImports(proxyRuntimeReadmeFilter(), dir));
    writeFileSync(join(dir, "surface.ts"), SURFACE_FILTER(relative(dir, COMPAT)));

    // The untouched README filter against the real package, built the way its README says (started now,
    // awaited by its test).
    originalWasm = buildProxyRuntimeAddHeader();
    originalWasm.catch(() => {}); // reported by its own test

    const built = await buildFilters({
      root: ROOT,
      entries: [
        { name: "add-header", entry: join(dir, "add-header.ts") },
        { name: "surface", entry: join(dir, "surface.ts") },
      ],
      targets: ["release"],
      outDir: dir,
    });
    [addHeaderWasm, surfaceWasm] = built.map((m) => m.path) as [string, string];
  });

  after(async () => {
    await originalWasm?.catch(() => {});
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function addHeader(pluginConfiguration: string): Promise<{ host: ProxyWasmHost; hello: string | null }> {
    const host = await ProxyWasmHost.start({ wasm: addHeaderWasm, rootId: "add_header", pluginConfiguration });
    const stream = host.http().request({ headers: { ":path": "/" } }).response({ headers: { "content-type": "text/plain" }, body: "hi" });
    stream.complete();
    return { host, hello: stream.responseHeader("hello") };
  }

  it("runs the README add-header filter with a configuration", async () => {
    const { host, hello } = await addHeader("what ever you want");
    assert.equal(host.failed, false, host.failMessage);
    assert.equal(hello, "what ever you want");
  });

  it("runs it with an empty configuration: hello: world!, VM healthy", async () => {
    const { host, hello } = await addHeader("");
    assert.equal(host.failed, false, host.failMessage);
    assert.equal(hello, "world!");
    assert.deepEqual(host.logs("critical"), []);
  });

  it("keeps memory flat over many streams (bridged contexts are released)", async () => {
    const host = await ProxyWasmHost.start({ wasm: addHeaderWasm, rootId: "add_header", pluginConfiguration: "x" });
    const run = (n: number) => {
      for (let i = 0; i < n; i++) host.http().request().response({ body: "hi" }).complete();
    };
    run(50);
    const pages = host.memoryPages();
    const contexts = host.contextIds().length;
    run(1000);
    assert.equal(host.memoryPages(), pages);
    assert.equal(host.contextIds().length, contexts);
    assert.equal(host.failed, false, host.failMessage);
  });

  it("builds a module Envoy can load: ABI 0.2.1 imports only, _initialize, no start section", async () => {
    const module = new WebAssembly.Module(readFileSync(addHeaderWasm));
    for (const { module: from, name } of WebAssembly.Module.imports(module)) {
      assert.equal(from, "env", `import ${from}.${name}`);
      assert.match(name, /^proxy_/);
    }
    const exports = WebAssembly.Module.exports(module).map((e) => e.name);
    for (const name of ["proxy_abi_version_0_2_1", "_initialize", "malloc", "proxy_on_memory_allocate", "proxy_on_response_headers"]) {
      assert.ok(exports.includes(name), `exports ${name}`);
    }
  });

  it("covers headers, bodies, properties, local replies and logging with statuses as values", async () => {
    const host = await ProxyWasmHost.start({ wasm: surfaceWasm, rootId: "surface", pluginConfiguration: "hello" });
    assert.equal(host.failed, false, host.failMessage);
    assert.deepEqual(host.logs("info"), ["configuration=hello", "configuration=hello"], "the configuration canary, then the worker");
    host.clearLogs();

    const stream = host.http().request({
      headers: { ":method": "POST", ":path": "/echo", "x-remove": "gone", "x-replaced": "old" },
      body: ["ab", "cd"],
    });
    assert.equal(stream.requestHeader("x-replaced"), "new");
    assert.equal(stream.requestHeader("x-remove"), null);
    assert.equal(stream.requestBody.toString("utf8"), "abcd");
    stream.response({ headers: { "content-type": "text/plain" }, body: "ok", trailers: { "x-t": "1" } });
    assert.equal(stream.responseHeader("x-count"), "2", "get_headers saw :status and content-type");
    assert.equal(stream.responseHeader("content-type"), "text/plain");
    stream.complete();
    assert.deepEqual(host.logs("info"), [
      "missing=[] status=1",
      "replace=0 remove=0",
      "response add now=2",
      "root id=surface",
      "absent property=0 status=1",
      "continue=0",
      "after continue=[] status=2",
      "request body=abcd length=4 status=0",
      "set_headers=0",
      "effective self=0 unknown=2",
      "late request add=2 ok=no",
      `log ${stream.id}`,
    ]);

    const denied = host.http().request({ headers: { ":path": "/deny" } });
    assert.equal(denied.localResponse?.statusCode, 403);
    assert.equal(denied.localResponse?.details, "denied_by_compat");
    assert.equal(denied.localResponse?.body.toString("utf8"), "no");
    assert.deepEqual(denied.localResponse?.headers, [["x-why", "compat"]]);
    assert.equal(denied.responseHeader("x-why"), "compat");
    assert.ok(host.logs("info").includes("local response=0"));
    assert.equal(host.failed, false, host.failMessage);
  });

  it("covers httpCall (reply, refusal, failure) and metrics", async () => {
    const host = await ProxyWasmHost.start({ wasm: surfaceWasm, rootId: "surface", pluginConfiguration: "" });
    assert.equal(host.failed, false, host.failMessage);

    const allowed = host.http().request({ headers: { ":path": "/auth-context" } });
    const denied = host.http().request({ headers: { ":path": "/auth" } });
    const unreachable = host.http().request({ headers: { ":path": "/auth" } });
    assert.ok(allowed.requestPaused && denied.requestPaused && unreachable.requestPaused);
    const calls = host.pendingHttpCalls();
    assert.deepEqual(calls.map((c) => c.cluster), ["auth", "auth", "auth"]);
    assert.equal(calls[0]!.headers.find(([k]) => k === ":path")?.[1], "/check");

    host.resolveHttpCall(calls[0]!.token, { status: 200, body: "alice" });
    assert.equal(allowed.requestPaused, false);
    assert.equal(allowed.requestHeader("x-user"), "alice");
    assert.ok(host.logs("info").includes(`auth ok for ${allowed.id} continue=0`));

    host.resolveHttpCall(calls[1]!.token, { status: 401, body: "bob" });
    assert.equal(denied.localResponse?.statusCode, 403);
    assert.equal(denied.localResponse?.body.toString("utf8"), "no bob");

    host.failHttpCall(calls[2]!.token);
    assert.equal(unreachable.localResponse?.statusCode, 503);
    assert.equal(unreachable.localResponse?.details, "auth_unreachable");

    host.http().request({ headers: { ":path": "/metrics" } }).response().complete();
    assert.ok(host.logs("info").includes("gauge=0 histogram record=0 increment=2"));
    assert.equal(host.metric("compat_gauge"), 7);
    assert.deepEqual(host.histogram("compat_histogram"), [3]);
    assert.equal(host.metric("compat_requests"), 4);
    for (const s of [allowed, denied, unreachable]) s.complete();
    assert.equal(host.failed, false, host.failMessage);
  });

  it("contrast: the same README filter on proxy-runtime 0.1.8 traps on an empty configuration", async () => {
    const wasm = await originalWasm;
    const configured = await ProxyWasmHost.start({ wasm, rootId: "add_header", pluginConfiguration: "what ever you want" });
    assert.equal(configured.failed, false, configured.failMessage);
    const empty = await ProxyWasmHost.start({ wasm, rootId: "add_header", pluginConfiguration: "" });
    assert.equal(empty.failed, true);
    assert.match(empty.failMessage, /^Function: proxy_on_configure failed/);
  });
});
