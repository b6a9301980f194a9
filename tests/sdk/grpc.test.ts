// gRPC through the SDK with a test-only filter: unary calls and streams from the root and from HTTP
// streams, metadata and messages delivered by token with the caller effective, close with status and
// message, send/close/cancel statuses (NotFound once over, ParseFailure for an unknown cluster), calls
// of a deleted stream cancelled, and empty callbacks in filters without gRPC.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, describe, test } from "node:test";
import { ProxyWasmHost, Status } from "../../scripts/host/index.ts";
import { buildTestFilter, results } from "./build-test-filter.ts";
import { exportedBody } from "./exported-body.ts";

const source = `
export * from "sdk/abi/exports";
import {
  Action, BaseContext, dispatchGrpcCall, GrpcCallHandler, GrpcCallResponse, grpcReceiveInitialMetadata, GrpcStatus, GrpcStreamHandler,
  HeaderMap, HeaderPair, HttpContext, lastStatus, logInfo, openGrpcStream, registerRootContext, RootContext, Status,
} from "sdk/index";
import { decimal } from "sdk/decimal";

function report(name: string, value: string): void {
  logInfo(name + "=" + value);
}

function text(value: string): ArrayBuffer {
  return String.UTF8.encode(value);
}

class Call extends GrpcCallHandler {
  constructor(context: BaseContext, readonly name: string) {
    super(context);
  }

  onResponse(response: GrpcCallResponse): void {
    const message = response.message;
    report(this.name, (response.failed ? "failed " : "ok ") + decimal(<u32>response.status) + " " + response.statusMessage + " " +
      (message !== null ? String.UTF8.decode(message) : "null") + " context " + decimal(this.context.id));
    report(this.name + "CancelAfter", decimal(this.cancel()));
  }
}

class Stream extends GrpcStreamHandler {
  constructor(context: BaseContext, readonly name: string) {
    super(context);
  }

  onInitialMetadata(metadata: HeaderMap): void {
    const value = metadata.get("x-m");
    report(this.name + "Initial", value !== null ? value : "null");
  }

  onMessage(message: ArrayBuffer): void {
    const received = String.UTF8.decode(message);
    report(this.name + "Message", received);
    report(this.name + "Echo", decimal(this.send(text("echo " + received))));
    if (this.context instanceof HttpContext) {
      // Effective context: this writes the calling request's headers.
      report(this.name + "Write", decimal(changetype<HttpContext>(this.context).requestHeaders.replace("x-grpc-last", received)));
    }
  }

  onTrailingMetadata(metadata: HeaderMap): void {
    const value = metadata.get("x-t");
    report(this.name + "Trailing", value !== null ? value : "null");
  }

  onClose(status: GrpcStatus, message: string): void {
    report(this.name + "Close", decimal(<u32>status) + " " + message);
    if (this.context instanceof HttpContext) changetype<HttpContext>(this.context).continueRequest();
  }
}

class Root extends RootContext {
  onConfigure(size: u32): bool {
    report("unknownCluster", decimal(dispatchGrpcCall("elsewhere", "svc.S", "M", null, text("x"), 0, new Call(this, "never"))));
    const metadata = [new HeaderPair("X-Caller", "root")];
    const call = new Call(this, "rootCall");
    report("rootCall", decimal(dispatchGrpcCall("grpc", "svc.S", "Unary", metadata, text("question"), 300, call)) + " token " + decimal(call.token));
    report("sameHandlerAgain", decimal(dispatchGrpcCall("grpc", "svc.S", "Unary", null, text("x"), 0, call)));
    const stream = new Stream(this, "rootStream");
    report("rootStream", decimal(openGrpcStream("grpc", "svc.S", "Chat", metadata, stream)) + " token " + decimal(stream.token));
    report("rootSend", decimal(stream.send(text("hello"))));
    const unopened = new Stream(this, "unopened");
    report("unopened", decimal(unopened.cancel()) + " " + decimal(unopened.close()) + " " + decimal(unopened.send(text("x"))));
    return true;
  }

  createHttpContext(id: u32): HttpContext {
    return new Request(id, this);
  }
}

class Request extends HttpContext {
  onRequestHeaders(count: u32, endOfStream: bool): Action {
    const path = this.requestHeaders.get(":path")!;
    const name = path.substring(1);
    const stream = new Stream(this, name);
    report(name + "Open", decimal(openGrpcStream("grpc", "svc.S", "Chat", [new HeaderPair("x-path", path)], stream)));
    report(name + "Call", decimal(dispatchGrpcCall("grpc", "svc.S", "Unary", null, text(path), 0, new Call(this, name + "Unary"))));
    if (name == "cancel") {
      report("cancelTwice", decimal(stream.cancel()) + " " + decimal(stream.cancel()) + " " + decimal(stream.send(text("late"))));
      return Action.Continue;
    }
    if (name == "halfclose") report("halfclose", decimal(stream.send(text("last"), true)) + " " + decimal(stream.close()));
    return Action.Pause;
  }

  onResponseHeaders(count: u32, endOfStream: bool): Action {
    const value = grpcReceiveInitialMetadata.get("x-m");
    report("lateMetadata" + decimal(this.id), (value !== null ? value : "null") + " " + decimal(lastStatus()));
    return Action.Continue;
  }
}

registerRootContext((id: u32): RootContext => new Root(id), "grpc");
`;

const withoutGrpc = `
export * from "sdk/abi/exports";
import { registerRootContext, RootContext } from "sdk/index";
registerRootContext((id: u32): RootContext => new RootContext(id), "plain");
`;

let wasm = "";
let plain = "";
before(async () => {
  wasm = await buildTestFilter("grpc", source);
  plain = await buildTestFilter("no-grpc", withoutGrpc);
});

async function start() {
  const host = await ProxyWasmHost.start({ wasm, rootId: "grpc", clusters: ["grpc"] });
  assert.ok(host.configured, host.failMessage);
  return host;
}

const text = (b: Buffer) => b.toString();

describe("gRPC", () => {
  test("calls and streams from the root: tokens, metadata, messages; refusals and unopened handlers are statuses", async () => {
    const host = await start();
    const r = results(host.logs("info"));
    assert.equal(r.get("unknownCluster"), `${Status.ParseFailure}`);
    assert.equal(r.get("rootCall"), `${Status.Ok} token 5`);
    assert.equal(r.get("sameHandlerAgain"), `${Status.BadArgument}`);
    assert.equal(r.get("rootStream"), `${Status.Ok} token 6`);
    assert.equal(r.get("rootSend"), `${Status.Ok}`);
    // cancel/close of a stream never opened: NotFound from the SDK; send: the host's BadArgument for token 0.
    assert.equal(r.get("unopened"), `${Status.NotFound} ${Status.NotFound} ${Status.BadArgument}`);
    const [call, stream] = host.pendingGrpcCalls();
    assert.deepEqual(
      [call?.kind, text(call!.service), call?.serviceName, call?.method, call?.timeoutMs, call?.messages.map(text)],
      ["call", "grpc", "svc.S", "Unary", 300, ["question"]],
    );
    assert.deepEqual(call?.initialMetadata, [["x-caller", "root"]]);
    assert.deepEqual([stream?.kind, stream?.method, stream?.messages.map(text)], ["stream", "Chat", ["hello"]]);
  });

  test("a unary call: the response, or the close status and message; cancel afterwards is NotFound", async () => {
    const host = await start();
    host.resolveGrpcCall(5, "answer");
    let r = results(host.logs("info"));
    assert.equal(r.get("rootCall"), `ok 0  answer context ${host.rootContextId}`);
    assert.equal(r.get("rootCallCancelAfter"), `${Status.NotFound}`);

    const request = host.http().request({ headers: { ":path": "/unary" } });
    const unary = host.pendingGrpcCalls().find((c) => c.kind === "call" && text(c.messages[0]!) === "/unary")!;
    host.closeGrpc(unary.token, { status: 14, message: "upstream connect error" });
    r = results(host.logs("info"));
    assert.equal(r.get("unaryUnary"), `failed 14 upstream connect error null context ${request.id}`);
    assert.equal(host.pendingGrpcCalls().some((c) => c.token === unary.token), false);
  });

  test("a stream from an HTTP request: metadata, messages and close reach it, with the request effective", async () => {
    const host = await start();
    const request = host.http().request({ headers: { ":path": "/chat" } });
    const stream = host.pendingGrpcCalls().find((c) => c.kind === "stream" && c.initialMetadata[0]?.[1] === "/chat")!;
    host.grpcStreamInitialMetadata(stream.token, { "x-m": "meta" });
    host.grpcStreamMessage(stream.token, "one");
    host.grpcStreamMessage(stream.token, "two");
    host.grpcStreamTrailingMetadata(stream.token, { "x-t": "trail" });
    assert.equal(request.requestPaused, true);
    host.closeGrpc(stream.token, { status: 0, message: "" });
    const r = results(host.logs("info"));
    assert.equal(r.get("chatOpen"), `${Status.Ok}`);
    assert.equal(r.get("chatInitial"), "meta");
    assert.equal(r.get("chatMessage"), "two");
    assert.equal(r.get("chatEcho"), `${Status.Ok}`);
    assert.equal(r.get("chatWrite"), `${Status.Ok}`);
    assert.equal(r.get("chatTrailing"), "trail");
    assert.equal(r.get("chatClose"), "0 ");
    assert.deepEqual(stream.messages.map(text), ["echo one", "echo two"]);
    assert.equal(request.requestHeader("x-grpc-last"), "two");
    assert.equal(request.requestForwarded, true, "continued from onClose");
    assert.equal(host.pendingGrpcCalls().some((c) => c.token === stream.token), false, "the SDK closed its side after the remote close");

    request.response({ headers: { ":status": "200" } });
    assert.equal(results(host.logs("info")).get(`lateMetadata${request.id}`), `null ${Status.BadArgument}`, "metadata out of phase");
  });

  test("cancel: Ok, then NotFound; send after it NotFound; close after a final send is the host's", async () => {
    const host = await start();
    host.http().request({ headers: { ":path": "/cancel" } });
    assert.equal(results(host.logs("info")).get("cancelTwice"), `${Status.Ok} ${Status.NotFound} ${Status.NotFound}`);
    host.http().request({ headers: { ":path": "/halfclose" } });
    assert.equal(results(host.logs("info")).get("halfclose"), `${Status.Ok} ${Status.Ok}`);
    const half = host.pendingGrpcCalls().find((c) => c.kind === "stream" && c.initialMetadata[0]?.[1] === "/halfclose")!;
    assert.deepEqual([half.messages.map(text), half.localClosed], [["last"], true]);
    host.closeGrpc(half.token, { status: 0 });
    assert.equal(host.pendingGrpcCalls().some((c) => c.token === half.token), false);
  });

  test("a request deleted with a stream and a call in flight: both cancelled, late events dropped", async () => {
    const host = await start();
    const request = host.http().request({ headers: { ":path": "/gone" } });
    const mine = host.pendingGrpcCalls().filter((c) => c.token > 6).map((c) => c.token);
    assert.equal(mine.length, 2);
    request.complete();
    assert.deepEqual(host.pendingGrpcCalls().map((c) => c.token), [5, 6], "only the root's call and stream remain");
    assert.throws(() => host.grpcStreamMessage(mine[1]!, "late"), /no pending gRPC/);
    assert.equal(host.failed, false, host.failMessage);
  });

  test("the gRPC callbacks are exported but empty in a filter without gRPC", async () => {
    for (const name of [
      "proxy_on_grpc_receive_initial_metadata",
      "proxy_on_grpc_receive",
      "proxy_on_grpc_receive_trailing_metadata",
      "proxy_on_grpc_close",
    ]) {
      assert.equal(await exportedBody(plain, name), "", name);
    }
    const names = WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(plain))).map((e) => e.name);
    assert.equal(names.includes("proxy_on_grpc_trailing_metadata"), false, "not the C++ SDK's misnamed callback");
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(plain)));
    assert.equal(imports.some((i) => i.name.includes("grpc")), false);
  });
});

