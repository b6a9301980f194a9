// TCP filters through the SDK: reading and rewriting the data buffers, pausing and resuming the
// downstream, closing either side, close callbacks with their peer type, teardown order, and the
// statuses Envoy gives out of phase (no trap): buffers outside their callback, continueUpstream.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { ProxyWasmHost, Status } from "../../scripts/host/index.ts";
import { buildTestFilter, results } from "./build-test-filter.ts";

const source = `
export * from "sdk/abi/exports";
import { Action, lastStatus, logInfo, PeerType, registerRootContext, RootContext, TcpContext } from "sdk/index";
import { decimal } from "sdk/decimal";

function report(name: string, value: string): void {
  logInfo(name + "=" + value);
}

class Root extends RootContext {
  createTcpContext(id: u32): TcpContext {
    return new Connection(id, this);
  }
}

class Connection extends TcpContext {
  onNewConnection(): Action {
    const early = this.downstreamData.getString();
    report("newConnection", (early !== null ? "'" + early + "'" : "null") + " " + decimal(lastStatus()) + " write " + decimal(this.downstreamData.appendString("x")));
    return Action.Continue;
  }

  onDownstreamData(size: u32, endOfStream: bool): Action {
    const data = this.downstreamData.getString()!;
    report("downstream", decimal(size) + " '" + data + "'" + (endOfStream ? " end" : ""));
    if (data == "hold") return Action.Pause;
    if (data == "close upstream") this.closeUpstream();
    if (data == "close downstream") this.closeDownstream();
    if (data.startsWith("password ")) {
      report("rewrite", decimal(this.downstreamData.replaceString("password ****")) + " " + decimal(this.downstreamData.prependString(">")) + " " + decimal(this.downstreamData.appendString("<")));
    }
    return Action.Continue;
  }

  onUpstreamData(size: u32, endOfStream: bool): Action {
    report("upstream", decimal(size) + " '" + this.upstreamData.getString()! + "'" + (endOfStream ? " end" : ""));
    report("outOfPhase", decimal(this.downstreamData.appendString("late")) + " " + decimal(this.continueUpstream()));
    report("continueDownstream", decimal(this.continueDownstream()));
    this.upstreamData.prependString("[");
    return Action.Continue;
  }

  onDownstreamConnectionClose(peer: PeerType): void {
    report("order", "downstreamClose " + decimal(peer));
  }

  onUpstreamConnectionClose(peer: PeerType): void {
    report("upstreamClose", decimal(peer));
  }

  onDone(): void {
    report("order", "done");
  }

  onLog(): void {
    report("order", "log");
  }

  onDelete(): void {
    report("order", "delete");
  }
}

registerRootContext((id: u32): RootContext => new Root(id), "tcp_test");
`;

let wasm = "";
before(async () => {
  wasm = await buildTestFilter("tcp", source);
});

function start() {
  return ProxyWasmHost.start({ wasm, rootId: "tcp_test" });
}

test("data buffers are read and rewritten in place (replace, prepend, append)", async () => {
  const host = await start();
  const connection = host.tcp();
  assert.equal(connection.downstreamData("password hunter2"), 0);
  const r = results(host.logs("info"));
  assert.equal(r.get("downstream"), "16 'password hunter2'");
  assert.equal(r.get("rewrite"), `${Status.Ok} ${Status.Ok} ${Status.Ok}`);
  assert.equal(connection.upstreamBytes.toString(), ">password ****<");
  assert.equal(connection.upstreamData("ok"), 0);
  assert.equal(connection.downstreamBytes.toString(), "[ok");
});

test("out of phase: no data before any arrives, writes to the other side's buffer and continueUpstream are refused", async () => {
  const host = await start();
  const connection = host.tcp();
  connection.open();
  assert.equal(results(host.logs("info")).get("newConnection"), `'' ${Status.Ok} write ${Status.BadArgument}`);
  connection.upstreamData("pong");
  const r = results(host.logs("info"));
  assert.equal(r.get("outOfPhase"), `${Status.BadArgument} ${Status.Unimplemented}`);
  assert.equal(host.failed, false);
});

test("Pause holds client data until continueDownstream", async () => {
  const host = await start();
  const connection = host.tcp();
  assert.equal(connection.downstreamData("hold"), 1);
  assert.equal(connection.upstreamBytes.length, 0);
  connection.upstreamData("go on");
  const r = results(host.logs("info"));
  assert.equal(r.get("continueDownstream"), `${Status.Ok}`);
  // Envoy keeps a paused buffer until it is released, so the append from onUpstreamData lands in it.
  assert.equal(r.get("outOfPhase"), `${Status.Ok} ${Status.Unimplemented}`);
  assert.equal(connection.upstreamBytes.toString(), "holdlate", "released after onUpstreamData returned");
});

test("closing either side from the filter; close callbacks carry the peer; teardown order", async () => {
  const host = await start();
  const upstreamClosed = host.tcp();
  upstreamClosed.downstreamData("close upstream");
  assert.equal(upstreamClosed.closedBy, "wasm_upstream_close");

  const downstreamClosed = host.tcp();
  host.clearLogs();
  downstreamClosed.downstreamData("close downstream");
  assert.equal(downstreamClosed.closedBy, "wasm_downstream_close");
  assert.deepEqual(
    host.logs("info").filter((m) => m.startsWith("order=")),
    [`order=downstreamClose 1`, "order=done", "order=log", "order=delete"],
    "closed by the proxy: PeerType.Local",
  );

  const remote = host.tcp();
  remote.downstreamData("hi");
  host.clearLogs();
  remote.upstreamData("bye", true);
  assert.equal(results(host.logs("info")).get("upstream"), "3 'bye' end");
  assert.equal(results(host.logs("info")).get("upstreamClose"), "0", "end of stream from upstream: PeerType.Unknown");
  remote.closeDownstream("remote");
  assert.equal(results(host.logs("info")).get("order"), "delete");
  assert.ok(host.logs("info").includes("order=downstreamClose 2"), "closed by the client: PeerType.Remote");
  assert.deepEqual(host.contextIds(), [host.rootContextId]);
});
