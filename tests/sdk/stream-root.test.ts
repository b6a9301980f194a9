// A stream context may name its own typed field `root` (the natural name for the filter's root): the SDK's
// link to the creating root is `parentRoot`, so the two do not clash.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ProxyWasmHost } from "../../scripts/host/index.ts";
import { buildTestFilter, results } from "./build-test-filter.ts";

const source = `
export * from "sdk/abi/exports";
import { Action, HttpContext, logInfo, registerRootContext, RootContext, TcpContext } from "sdk/index";
import { decimal } from "sdk/decimal";

class Root extends RootContext {
  greeting: string = "hello";
  createHttpContext(id: u32): HttpContext {
    return new Stream(id, this);
  }
}

class Stream extends HttpContext {
  constructor(id: u32, readonly root: Root) {
    super(id, root);
  }
  onRequestHeaders(count: u32, endOfStream: bool): Action {
    logInfo("greeting=" + this.root.greeting);
    logInfo("parentRoot=" + decimal(this.parentRoot.id) + (this.parentRoot === this.root ? " same" : " other"));
    return Action.Continue;
  }
}

class Connection extends TcpContext {
  constructor(id: u32, readonly root: Root) {
    super(id, root);
  }
}

registerRootContext((id: u32): RootContext => new Root(id), "stream_root");
`;

test("an HttpContext subclass with its own 'readonly root: MyRoot' compiles and keeps parentRoot", async () => {
  const wasm = await buildTestFilter("stream-root", source);
  const host = await ProxyWasmHost.start({ wasm, rootId: "stream_root" });
  assert.equal(host.failState, "Ok", host.failMessage);
  host.http().request({ headers: { ":path": "/" } }).response({ headers: { ":status": "200" } }).complete();
  const seen = results(host.logs("info"));
  assert.equal(seen.get("greeting"), "hello");
  assert.equal(seen.get("parentRoot"), "1 same");
});
