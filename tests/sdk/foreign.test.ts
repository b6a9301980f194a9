// Foreign functions through the SDK with test-only filters: calls by name with bytes in and out
// (results, empty results, NotFound and a function's own status as values), Envoy's compress /
// uncompress round trip, and proxy_on_foreign_function delivered to RootContext.onForeignFunction
// with its arguments in buffer 8, only in filters that use foreign functions.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, describe, test } from "node:test";
import { ProxyWasmHost, Status } from "../../scripts/host/index.ts";
import { buildTestFilter, results } from "./build-test-filter.ts";
import { exportedBody } from "./exported-body.ts";

const common = `
export * from "sdk/abi/exports";
import {
  Action, callForeignFunction, foreignFunctionArguments, HttpContext, lastStatus, logInfo, receiveForeignFunctionCalls,
  registerRootContext, RootContext,
} from "sdk/index";
import { decimal } from "sdk/decimal";

function report(name: string, value: string): void {
  logInfo(name + "=" + value);
}

function show(result: ArrayBuffer | null): string {
  return result !== null ? "bytes " + decimal(result.byteLength) : "null " + decimal(lastStatus());
}

class Events extends RootContext {
  onForeignFunction(functionId: u32, argumentsSize: u32): void {
    const args = foreignFunctionArguments.getString();
    report("event", decimal(functionId) + " " + decimal(argumentsSize) + " " + (args !== null ? args : "null " + decimal(lastStatus())) +
      " root " + decimal(this.id));
  }
}
`;

const source = `${common}
class Root extends Events {
  onConfigure(size: u32): bool {
    const input = String.UTF8.encode("hello hello hello hello");
    const compressed = callForeignFunction("compress", input);
    report("compress", show(compressed));
    const back = callForeignFunction("uncompress", compressed);
    report("uncompress", back !== null ? String.UTF8.decode(back) : "null");
    report("unknown", show(callForeignFunction("no_such_function", input)));
    report("garbage", show(callForeignFunction("uncompress", String.UTF8.encode("not zlib"))));
    report("empty", show(callForeignFunction("nothing", null)));
    report("status", show(callForeignFunction("refuse", null)));
    const outside = foreignFunctionArguments.getString();
    report("argumentsOutside", outside !== null ? "'" + outside + "'" : "null " + decimal(lastStatus()));
    return true;
  }

  createHttpContext(id: u32): HttpContext {
    return new Stream(id, this);
  }
}

class Stream extends HttpContext {
  onRequestHeaders(count: u32, endOfStream: bool): Action {
    const result = callForeignFunction("echo", String.UTF8.encode(this.requestHeaders.get(":path")!));
    report("echo" + decimal(this.id), result !== null ? String.UTF8.decode(result) : "null");
    return Action.Continue;
  }
}

registerRootContext((id: u32): RootContext => new Root(id), "foreign");
`;

/** Receives events without calling any function. */
const listener = `${common}
class Root extends Events {
  onConfigure(size: u32): bool {
    receiveForeignFunctionCalls();
    return true;
  }
}
registerRootContext((id: u32): RootContext => new Root(id), "listener");
`;

/** Overrides onForeignFunction but never uses foreign functions: the callback stays empty. */
const plain = `${common}
registerRootContext((id: u32): RootContext => new Events(id), "plain");
`;

const foreignFunctions = {
  echo: (args: Buffer) => `echo:${args.toString()}`,
  nothing: () => undefined,
  refuse: () => ({ status: Status.InternalFailure }),
};

let wasm = "";
let listenerWasm = "";
let plainWasm = "";
before(async () => {
  wasm = await buildTestFilter("foreign", source);
  listenerWasm = await buildTestFilter("foreign-listener", listener);
  plainWasm = await buildTestFilter("foreign-plain", plain);
});

describe("foreign functions", () => {
  test("calls by name: results, empty results, NotFound and the function's own status as values", async () => {
    const host = await ProxyWasmHost.start({ wasm, rootId: "foreign", foreignFunctions });
    assert.ok(host.configured, host.failMessage);
    const r = results(host.logs("info"));
    assert.match(r.get("compress") ?? "", /^bytes \d+$/);
    assert.equal(r.get("uncompress"), "hello hello hello hello");
    assert.equal(r.get("unknown"), `null ${Status.NotFound}`);
    assert.equal(r.get("garbage"), `null ${Status.SerializationFailure}`);
    assert.equal(r.get("empty"), "bytes 0");
    assert.equal(r.get("status"), `null ${Status.InternalFailure}`);
    assert.equal(r.get("argumentsOutside"), "''", "buffer 8 is empty outside proxy_on_foreign_function");

    const stream = host.http().request({ headers: { ":path": "/x" } });
    assert.equal(results(host.logs("info")).get(`echo${stream.id}`), "echo:/x");
  });

  test("proxy_on_foreign_function reaches RootContext.onForeignFunction with its arguments", async () => {
    for (const [path, rootId] of [[wasm, "foreign"], [listenerWasm, "listener"]] as const) {
      const host = await ProxyWasmHost.start({ wasm: path, rootId, foreignFunctions });
      assert.ok(host.configured, host.failMessage);
      host.callOnForeignFunction(7, "some args");
      host.callOnForeignFunction(8);
      const events = host.logs("info").filter((m) => m.startsWith("event="));
      assert.deepEqual(events, [`event=7 9 some args root ${host.rootContextId}`, `event=8 0  root ${host.rootContextId}`], rootId);
    }
  });

  test("a filter that never uses foreign functions keeps proxy_on_foreign_function empty", async () => {
    const host = await ProxyWasmHost.start({ wasm: plainWasm, rootId: "plain" });
    host.callOnForeignFunction(7, "ignored");
    assert.deepEqual(host.logs("info"), []);
    assert.equal(host.failed, false);
    assert.equal(await exportedBody(plainWasm, "proxy_on_foreign_function"), "");
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(plainWasm)));
    assert.equal(imports.some((i) => i.name.includes("foreign")), false);
  });
});

