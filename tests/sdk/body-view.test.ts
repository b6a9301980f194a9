// Reading a body where the host wrote it and writing one from memory of our own (HostBuffer.view,
// BytesView, replaceFrom, setFrom): the bytes are the body's, a second view frees the first block,
// release() frees it at once, and memory stays flat over many 256 KiB bodies.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { ProxyWasmHost } from "../../scripts/host/index.ts";
import { buildTestFilter, results } from "./build-test-filter.ts";

const source = `
export * from "sdk/abi/exports";
import { Action, BufferType, HostBuffer, HttpContext, lastStatus, logInfo, registerRootContext, RootContext } from "sdk/index";
import { decimal } from "sdk/decimal";

function report(name: string, value: string): void {
  logInfo(name + "=" + value);
}

/** Our own memory for the result: the body upper-cased. */
let output: usize = 0;
let capacity: usize = 0;

class Probe extends HttpContext {
  onResponseBody(size: u32, endOfStream: bool): Action {
    if (!endOfStream) return Action.Pause;
    const whole = this.responseBody.view();
    if (whole === null) return Action.Continue;
    report("length", decimal(whole.length));
    report("text", whole.length <= 64 ? whole.toString() : "long");
    report("copy", decimal(whole.toArrayBuffer().byteLength));
    if (whole.length > capacity) {
      if (output != 0) heap.free(output);
      capacity = whole.length;
      output = heap.alloc(capacity);
    }
    for (let i: u32 = 0; i < whole.length; i++) {
      const c = load<u8>(whole.pointer + i);
      store<u8>(output + i, c >= 0x61 && c <= 0x7a ? c - 0x20 : c);
    }
    const first = whole.pointer;
    const length = whole.length; // the view is reused: the next view() changes it
    const part = this.responseBody.view(1, 3); // frees the first block: the same view, other bytes
    report("same view", part === whole ? "yes" : "no");
    report("part", part !== null ? part.toString() : "null");
    report("moved", part !== null && part.pointer != first ? "yes" : "no");
    part!.release();
    report("released", decimal(part!.length) + " " + decimal(<u32>part!.pointer));
    report("replace", decimal(this.responseBody.replaceFrom(output, length)));
    report("append", decimal(this.responseBody.setFrom(0xffffffff, 0, output, 1)));
    const unknown = new HostBuffer(<BufferType>42);
    report("unknown buffer view", unknown.view() === null ? "null " + decimal(lastStatus()) : "some");
    return Action.Continue;
  }
}

class Root extends RootContext {
  createHttpContext(id: u32): HttpContext {
    return new Probe(id, this);
  }
}

registerRootContext((id: u32): RootContext => new Root(id), "body_view_test");
`;

let wasm = "";
before(async () => {
  wasm = await buildTestFilter("body-view", source);
});

test("view reads the body in place, a second view or release frees the block, replaceFrom/setFrom write from our memory", async () => {
  const host = await ProxyWasmHost.start({ wasm, rootId: "body_view_test" });
  assert.equal(host.failed, false, host.failMessage);
  const s = host.http().request().response({ body: ["héllo, ", "world"] }).complete();
  const r = results(host.logs("info"));
  assert.equal(r.get("length"), String(Buffer.byteLength("héllo, world")));
  assert.equal(r.get("text"), "héllo, world");
  assert.equal(r.get("copy"), r.get("length"));
  assert.equal(r.get("same view"), "yes");
  assert.equal(r.get("part"), "él"); // bytes 1..3: é (2 bytes) and l
  assert.equal(r.get("released"), "0 0");
  assert.equal(r.get("replace"), "0");
  assert.equal(r.get("append"), "0");
  assert.match(r.get("unknown buffer view") ?? "", /^null [1-9]/, "a status, like getBytes");
  assert.equal(s.responseBody.toString("latin1"), Buffer.from("HéLLO, WORLDH", "utf8").toString("latin1"));
});

test("memory stays flat over many 256 KiB bodies read in place", async () => {
  const host = await ProxyWasmHost.start({ wasm, rootId: "body_view_test" });
  const body = Buffer.alloc(256 << 10, "abc");
  const run = (n: number) => {
    for (let i = 0; i < n; i++) host.http().request().response({ body }).complete();
  };
  run(20);
  const pages = host.memoryPages();
  run(100);
  assert.equal(host.memoryPages(), pages);
  assert.ok(pages <= 24, `${pages} pages for 256 KiB bodies`);
  assert.equal(host.failed, false, host.failMessage);
});
