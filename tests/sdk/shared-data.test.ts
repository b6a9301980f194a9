// Shared data through the SDK: missing keys are null with NotFound (no trap), CAS tokens guard writes,
// updateSharedData retries a read-modify-write that lost a race, and values are scoped by vm_id.
// One VM per host (canary: false): the configuration canary's writes would shift the CAS tokens.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { ProxyWasmHost, SharedStore, Status } from "../../scripts/host/index.ts";
import { buildTestFilter, results } from "./build-test-filter.ts";

const source = `
export * from "sdk/abi/exports";
import {
  Action, getSharedData, HttpContext, lastStatus, logInfo, parseInteger, registerRootContext, RootContext,
  setSharedData, setSharedDataString, SharedDataUpdate, SharedValue, Status, updateSharedData,
} from "sdk/index";
import { decimal } from "sdk/decimal";

function report(name: string, value: string): void {
  logInfo(name + "=" + value);
}

/** Adds one to a decimal counter; with interfere > 0 another writer changes the key during the first interfere runs. */
class Increment extends SharedDataUpdate {
  runs: u32 = 0;
  constructor(readonly key: string, readonly interfere: u32) {
    super();
  }
  update(current: SharedValue | null): ArrayBuffer | null {
    this.runs++;
    if (this.runs <= this.interfere) setSharedDataString(this.key, "100");
    const count = current !== null ? parseInteger(current.text(), 0) : 0;
    return String.UTF8.encode(decimal(<u32>count + 1));
  }
}

class LeaveAlone extends SharedDataUpdate {
  seen: string = "";
  update(current: SharedValue | null): ArrayBuffer | null {
    this.seen = current !== null ? current.text() : "null";
    return null;
  }
}

class Root extends RootContext {
  onConfigure(size: u32): bool {
    const missing = getSharedData("missing");
    report("missing", (missing === null ? "null " : "value ") + decimal(lastStatus()));

    report("set", decimal(setSharedDataString("k", "v1")));
    const first = getSharedData("k")!;
    report("first", first.text() + " " + decimal(lastStatus()));
    report("setWithCas", decimal(setSharedDataString("k", "v2", first.cas)));
    report("setWithStaleCas", decimal(setSharedDataString("k", "v3", first.cas)));
    const second = getSharedData("k")!;
    report("afterStale", second.text());
    report("casChanged", second.cas != first.cas && second.cas != 0 ? "yes" : "no");
    report("setUnconditional", decimal(setSharedDataString("k", "v4", 0)) + " " + getSharedData("k")!.text());

    const bytes = new ArrayBuffer(3);
    store<u8>(changetype<usize>(bytes), 0);
    store<u8>(changetype<usize>(bytes), 255, 2);
    report("setBytes", decimal(setSharedData("bin", bytes)));
    const bin = getSharedData("bin")!;
    report("bytes", decimal(bin.value.byteLength) + " " + decimal(load<u8>(changetype<usize>(bin.value), 2)));

    setSharedDataString("empty", "");
    const empty = getSharedData("empty");
    report("empty", empty !== null ? decimal(empty.value.byteLength) + " " + decimal(lastStatus()) : "null");

    const create = new Increment("counter", 0);
    report("create", decimal(updateSharedData("counter", create)) + " " + decimal(create.runs) + " " + getSharedData("counter")!.text());
    const contended = new Increment("counter", 1);
    report("contended", decimal(updateSharedData("counter", contended)) + " " + decimal(contended.runs) + " " + getSharedData("counter")!.text());
    const losing = new Increment("counter", 100);
    report("losing", decimal(updateSharedData("counter", losing, 3)) + " " + decimal(losing.runs) + " " + getSharedData("counter")!.text());

    const before = getSharedData("counter")!.cas;
    const alone = new LeaveAlone();
    report("noWrite", decimal(updateSharedData("counter", alone)) + " " + alone.seen + " " + (getSharedData("counter")!.cas == before ? "same" : "changed"));
    return true;
  }

  createHttpContext(id: u32): HttpContext {
    return new Stream(id, this);
  }
}

class Stream extends HttpContext {
  onRequestHeaders(count: u32, endOfStream: bool): Action {
    const fromHost = getSharedData("from-host");
    report("stream", fromHost !== null ? fromHost.text() + " " + decimal(fromHost.cas) : "null " + decimal(lastStatus()));
    setSharedDataString("from-stream", "written in a stream");
    return Action.Continue;
  }
}

registerRootContext((id: u32): RootContext => new Root(id), "shared_data_test");
`;

let wasm = "";
before(async () => {
  wasm = await buildTestFilter("shared-data", source);
});

test("missing keys, CAS tokens, bytes and empty values", async () => {
  const host = await ProxyWasmHost.start({ wasm, rootId: "shared_data_test", canary: false });
  assert.ok(host.configured, host.failMessage);
  const r = results(host.logs("info"));
  assert.equal(r.get("missing"), `null ${Status.NotFound}`);
  assert.equal(r.get("set"), `${Status.Ok}`);
  assert.equal(r.get("first"), `v1 ${Status.Ok}`);
  assert.equal(r.get("setWithCas"), `${Status.Ok}`);
  assert.equal(r.get("setWithStaleCas"), `${Status.CasMismatch}`);
  assert.equal(r.get("afterStale"), "v2");
  assert.equal(r.get("casChanged"), "yes");
  assert.equal(r.get("setUnconditional"), `${Status.Ok} v4`);
  assert.equal(r.get("setBytes"), `${Status.Ok}`);
  assert.equal(r.get("bytes"), "3 255");
  assert.equal(r.get("empty"), `0 ${Status.Ok}`, "an empty value is present, not missing");
  assert.deepEqual(host.sharedData("bin")?.value, Buffer.from([0, 0, 255]));
});

test("updateSharedData creates, retries after a CasMismatch, gives up after the attempts, and may write nothing", async () => {
  const host = await ProxyWasmHost.start({ wasm, rootId: "shared_data_test", canary: false });
  const r = results(host.logs("info"));
  assert.equal(r.get("create"), `${Status.Ok} 1 1`);
  // The first run read "1", then another writer stored "100": the write of "2" lost, the retry read "100".
  assert.equal(r.get("contended"), `${Status.Ok} 2 101`);
  assert.equal(r.get("losing"), `${Status.CasMismatch} 3 100`);
  assert.equal(r.get("noWrite"), `${Status.Ok} 100 same`);
  assert.equal(host.sharedData("counter")?.value.toString(), "100");
});

test("values are shared by the VMs of one vm_id, and only by them", async () => {
  const shared = new SharedStore();
  const host = await ProxyWasmHost.start({ wasm, rootId: "shared_data_test", canary: false, vmId: "a", shared });
  host.setSharedData("from-host", "hello");
  const cas = host.sharedData("from-host")!.cas;
  host.http().request().response().complete();
  assert.equal(results(host.logs("info")).get("stream"), `hello ${cas}`);
  assert.equal(host.sharedData("from-stream")?.value.toString(), "written in a stream");

  const sameVm = await ProxyWasmHost.start({ wasm, rootId: "shared_data_test", canary: false, vmId: "a", shared });
  assert.equal(sameVm.sharedData("from-stream")?.value.toString(), "written in a stream");

  const otherVm = await ProxyWasmHost.start({ wasm, rootId: "shared_data_test", canary: false, vmId: "b", shared });
  assert.equal(otherVm.sharedData("from-stream"), null);
  otherVm.http().request().response().complete();
  assert.equal(results(otherVm.logs("info")).get("stream"), `null ${Status.NotFound}`);
});
