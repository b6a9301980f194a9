// HTTP callouts through the SDK with a test-only filter: calls from the root and from streams, replies
// dispatched by token with the calling stream effective, the reply readable only inside onResponse,
// failures as values (BadArgument from the host, reset as BrokenConnection), replies for deleted
// streams dropped, flat memory over many calls, and an empty callback in filters without callouts.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, describe, test } from "node:test";
import { ProxyWasmHost, Status } from "../../scripts/host/index.ts";
import { buildTestFilter, results } from "./build-test-filter.ts";
import { exportedBody } from "./exported-body.ts";

const source = `
export * from "sdk/abi/exports";
import {
  Action, dispatchHttpCall, dispatchHttpCallBytes, HeaderPair, HttpCallHandler, HttpCallResponse, HttpContext,
  httpCallResponseHeaders, lastStatus, logInfo, registerRootContext, RootContext, Status,
} from "sdk/index";
import { decimal } from "sdk/decimal";

function report(name: string, value: string): void {
  logInfo(name + "=" + value);
}

function request(path: string): HeaderPair[] {
  return [new HeaderPair(":method", "GET"), new HeaderPair(":path", path), new HeaderPair(":authority", "svc")];
}

function describeResponse(response: HttpCallResponse): string {
  if (response.failed) {
    return "failed " + decimal(response.failure) + " " + response.failureMessage + " status " + decimal(response.statusCode) +
      " headers " + decimal(response.headers.getPairs().length);
  }
  const body = response.body.getString();
  const trailer = response.trailers.get("t");
  return decimal(response.statusCode) + " " + (body !== null ? body : "null") + " x-a=" + (response.headers.get("x-a") || "-") +
    " t=" + (trailer !== null ? trailer : "-") + " counts " + decimal(response.headerCount) + "/" + decimal(response.bodySize) + "/" +
    decimal(response.trailerCount);
}

class RootCall extends HttpCallHandler {
  constructor(readonly root: Root, readonly name: string) {
    super(root);
  }

  onResponse(response: HttpCallResponse): void {
    report(this.name, describeResponse(response) + " context " + decimal(this.context.id));
    report(this.name + "BodyWrite", decimal(response.body.replaceString("changed")));
  }
}

class Root extends RootContext {
  onConfigure(size: u32): bool {
    const handler = new RootCall(this, "rootReply");
    const noPath = [new HeaderPair(":method", "GET"), new HeaderPair(":authority", "svc")];
    report("missingPath", decimal(dispatchHttpCall("svc", noPath, "", null, 0, handler)) + " token " + decimal(handler.token));
    report("unknownCluster", decimal(dispatchHttpCall("elsewhere", request("/"), "", null, 0, handler)));
    report("negativeTimeout", decimal(dispatchHttpCall("svc", request("/"), "", null, <u32>-1, handler)));
    const trailers = [new HeaderPair("T", "1")];
    report("rootCall", decimal(dispatchHttpCall("svc", request("/root"), "ping", trailers, 250, handler)) + " token " + decimal(handler.token));
    report("sameHandlerAgain", decimal(dispatchHttpCall("svc", request("/root"), "", null, 0, handler)) + " " + decimal(lastStatus()));
    const bytes = new ArrayBuffer(3);
    store<u8>(changetype<usize>(bytes), 0xff, 1);
    report("bytesCall", decimal(dispatchHttpCallBytes("svc", request("/bytes"), bytes, null, 0, new RootCall(this, "bytesReply"))));
    return true;
  }

  createHttpContext(id: u32): HttpContext {
    return new Stream(id, this);
  }
}

class StreamCall extends HttpCallHandler {
  constructor(readonly stream: Stream) {
    super(stream);
  }

  onResponse(response: HttpCallResponse): void {
    const stream = this.stream;
    stream.saved = response;
    report("reply" + decimal(stream.id), describeResponse(response));
    // Effective context: these act on the calling stream.
    report("write" + decimal(stream.id), decimal(stream.requestHeaders.replace("x-answered", decimal(this.token))));
    report("continue" + decimal(stream.id), decimal(stream.continueRequest()));
  }
}

class Stream extends HttpContext {
  saved: HttpCallResponse | null = null;

  onRequestHeaders(count: u32, endOfStream: bool): Action {
    const path = this.requestHeaders.get(":path")!;
    report("call" + decimal(this.id), decimal(dispatchHttpCall("svc", request(path), "", null, 1000, new StreamCall(this))));
    return Action.Pause;
  }

  onResponseHeaders(count: u32, endOfStream: bool): Action {
    const saved = this.saved;
    if (saved !== null) {
      // Out of phase: the reply is gone once onResponse returned.
      const status = saved.headers.get(":status");
      report("late" + decimal(this.id), (status !== null ? status : "null") + " " + decimal(lastStatus()));
      const body = saved.body.getBytes();
      report("lateBody" + decimal(this.id), (body !== null ? "bytes" : "null") + " " + decimal(lastStatus()));
      report("latePairs" + decimal(this.id), decimal(httpCallResponseHeaders.getPairs().length));
    }
    return Action.Continue;
  }
}

registerRootContext((id: u32): RootContext => new Root(id), "callouts");
`;

const withoutCallouts = `
export * from "sdk/abi/exports";
import { registerRootContext, RootContext } from "sdk/index";
registerRootContext((id: u32): RootContext => new RootContext(id), "plain");
`;

let wasm = "";
let plain = "";
before(async () => {
  wasm = await buildTestFilter("callouts", source);
  plain = await buildTestFilter("no-callouts", withoutCallouts);
});

async function start() {
  const host = await ProxyWasmHost.start({ wasm, rootId: "callouts", clusters: ["svc"] });
  assert.ok(host.configured, host.failMessage);
  return host;
}

describe("HTTP callouts", () => {
  test("refusals are statuses (BadArgument), the handler keeps no token; a handler in flight cannot be reused", async () => {
    const host = await start();
    const r = results(host.logs("info"));
    assert.equal(r.get("missingPath"), `${Status.BadArgument} token 0`);
    assert.equal(r.get("unknownCluster"), `${Status.BadArgument}`);
    assert.equal(r.get("negativeTimeout"), `${Status.BadArgument}`);
    assert.equal(r.get("rootCall"), `${Status.Ok} token 4`);
    assert.equal(r.get("sameHandlerAgain"), `${Status.BadArgument} ${Status.BadArgument}`);
    assert.equal(r.get("bytesCall"), `${Status.Ok}`);
    const [rootCall, bytesCall] = host.pendingHttpCalls();
    assert.equal(rootCall?.body.toString(), "ping");
    assert.deepEqual(rootCall?.trailers, [["t", "1"]]);
    assert.equal(rootCall?.timeoutMs, 250);
    assert.deepEqual([...(bytesCall?.body ?? [])], [0, 0xff, 0]);
  });

  test("a root's call: headers, body and trailers inside onResponse; the reply buffer is read-only", async () => {
    const host = await start();
    host.resolveHttpCall(4, { status: 201, headers: { "x-a": "b" }, body: "pong", trailers: { t: "9" } });
    const r = results(host.logs("info"));
    assert.equal(r.get("rootReply"), `201 pong x-a=b t=9 counts 2/4/1 context ${host.rootContextId}`);
    assert.equal(r.get("rootReplyBodyWrite"), `${Status.BadArgument}`);
  });

  test("a reset call reaches the handler as a failure: BrokenConnection, \"reset\", no headers", async () => {
    const host = await start();
    host.failHttpCall(8);
    assert.equal(results(host.logs("info")).get("bytesReply"), `failed ${Status.BrokenConnection} reset status 0 headers 0 context 1`);
    assert.equal(host.failed, false);
  });

  test("replies arrive on the root id and reach the calling stream, made effective", async () => {
    const host = await start();
    const first = host.http().request({ headers: { ":path": "/first" } });
    const second = host.http().request({ headers: { ":path": "/second" } });
    const calls = host.pendingHttpCalls().filter((c) => c.contextId !== host.rootContextId);
    assert.deepEqual(calls.map((c) => [c.contextId, c.rootContextId, c.headers[1]![1]]), [
      [first.id, host.rootContextId, "/first"],
      [second.id, host.rootContextId, "/second"],
    ]);
    host.resolveHttpCall(calls[1]!.token, { status: 200, body: "two" });
    host.resolveHttpCall(calls[0]!.token, { status: 503, body: "one" });
    const r = results(host.logs("info"));
    assert.equal(r.get(`reply${second.id}`), "200 two x-a=- t=- counts 1/3/0");
    assert.equal(r.get(`reply${first.id}`), "503 one x-a=- t=- counts 1/3/0");
    assert.equal(r.get(`write${first.id}`), `${Status.Ok}`);
    assert.equal(r.get(`continue${second.id}`), `${Status.Ok}`);
    assert.equal(first.requestHeader("x-answered"), String(calls[0]!.token));
    assert.equal(second.requestHeader("x-answered"), String(calls[1]!.token));
    assert.equal(first.requestForwarded && second.requestForwarded, true);
  });

  test("out of phase: after onResponse the reply reads as BadArgument / NotFound / empty, no trap", async () => {
    const host = await start();
    const stream = host.http().request({ headers: { ":path": "/late" } });
    const call = host.pendingHttpCalls().find((c) => c.contextId === stream.id)!;
    host.resolveHttpCall(call.token, { status: 200, body: "gone soon" });
    stream.response({ headers: { ":status": "200" } });
    const r = results(host.logs("info"));
    assert.equal(r.get(`late${stream.id}`), `null ${Status.BadArgument}`);
    assert.equal(r.get(`lateBody${stream.id}`), `null ${Status.NotFound}`);
    assert.equal(r.get(`latePairs${stream.id}`), "0");
    assert.equal(host.failed, false);
  });

  test("a stream deleted before its reply: the reply (or failure) is dropped, no trap", async () => {
    const host = await start();
    const stream = host.http().request({ headers: { ":path": "/gone" } });
    const call = host.pendingHttpCalls().find((c) => c.contextId === stream.id)!;
    stream.complete();
    host.clearLogs();
    host.resolveHttpCall(call.token, { status: 200 });
    const again = host.http().request({ headers: { ":path": "/gone-too" } });
    const failing = host.pendingHttpCalls().find((c) => c.contextId === again.id)!;
    again.complete();
    host.failHttpCall(failing.token);
    assert.equal(host.failed, false, host.failMessage);
    assert.deepEqual(host.logs("info").filter((m) => m.startsWith("reply")), []);
  });

  test("memory stays flat over many calls from streams", async () => {
    const host = await start();
    const round = () => {
      const stream = host.http().request({ headers: { ":path": "/soak" } });
      const call = host.pendingHttpCalls().find((c) => c.contextId === stream.id)!;
      host.resolveHttpCall(call.token, { status: 200, headers: { "x-a": "1" }, body: "x".repeat(200) });
      stream.response({ headers: { ":status": "200" } }).complete();
    };
    for (let i = 0; i < 300; i++) round();
    host.clearLogs();
    const pages = host.memoryPages();
    for (let i = 0; i < 3000; i++) {
      round();
      if (i % 500 === 0) host.clearLogs();
    }
    assert.equal(host.memoryPages(), pages);
    assert.equal(host.failed, false);
  });

  test("proxy_on_http_call_response is exported but empty in a filter without callouts", async () => {
    assert.equal(await exportedBody(plain, "proxy_on_http_call_response"), "");
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(plain)));
    assert.equal(imports.some((i) => /http_call|get_status|effective/.test(i.name)), false);
  });
});

