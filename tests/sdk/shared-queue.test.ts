// Shared queues through the SDK: register (idempotent) / resolve (own or named vm_id), enqueue from roots
// and streams, FIFO dequeue, onQueueReady on the registering root, Empty and NotFound as statuses (no
// trap), and a proxy_on_queue_ready that compiles to nothing in filters without queues.
// One VM per host (canary: false): the configuration canary would register the queues first.
import { readFileSync } from "node:fs";
import { before, test } from "node:test";
import assert from "node:assert/strict";
import wabtInit from "wabt";
import { ProxyWasmHost, SharedStore, Status } from "../../scripts/host/index.ts";
import { buildTestFilter, results } from "./build-test-filter.ts";

const source = `
export * from "sdk/abi/exports";
import {
  Action, HttpContext, lastStatus, logInfo, registerRootContext, registerSharedQueue, resolveSharedQueue,
  RootContext, SharedQueue,
} from "sdk/index";
import { decimal } from "sdk/decimal";

function report(name: string, value: string): void {
  logInfo(name + "=" + value);
}

function describe(queue: SharedQueue | null): string {
  return queue !== null ? "id " + decimal(queue.id) : "null " + decimal(lastStatus());
}

class Root extends RootContext {
  queue: SharedQueue | null = null;

  onConfigure(size: u32): bool {
    report("resolveUnknown", describe(resolveSharedQueue("jobs")));
    const queue = registerSharedQueue("jobs")!;
    this.queue = queue;
    report("register", describe(queue));
    report("registerAgain", describe(registerSharedQueue("jobs")));
    report("resolveOwn", describe(resolveSharedQueue("jobs")));
    report("resolveByVmId", describe(resolveSharedQueue("jobs", "vm1")));
    report("resolveOtherVm", describe(resolveSharedQueue("jobs", "vm2")));

    const empty = queue.dequeue();
    report("dequeueEmpty", (empty === null ? "null " : "value ") + decimal(lastStatus()));
    const unknown = new SharedQueue(queue.id + 1000);
    report("enqueueUnknown", decimal(unknown.enqueueString("x")));
    const gone = unknown.dequeueString();
    report("dequeueUnknown", (gone === null ? "null " : "value ") + decimal(lastStatus()));

    const bytes = new ArrayBuffer(2);
    store<u8>(changetype<usize>(bytes), 7, 1);
    report("enqueueBytes", decimal(queue.enqueue(bytes)));
    const back = queue.dequeue()!;
    report("bytes", decimal(back.byteLength) + " " + decimal(load<u8>(changetype<usize>(back), 1)));

    report("enqueueFromRoot", decimal(queue.enqueueString("first")) + " " + decimal(queue.enqueueString("second")));
    report("readyDuringConfigure", "none yet");
    return true;
  }

  onQueueReady(queueId: u32): void {
    const queue = this.queue!;
    let items = "";
    let item = queue.dequeueString();
    while (item !== null) {
      items += item + ";";
      item = queue.dequeueString();
    }
    report("ready", decimal(queueId) + " " + decimal(this.id) + " " + items + " then " + decimal(lastStatus()));
  }

  createHttpContext(id: u32): HttpContext {
    return new Stream(id, this);
  }
}

class Stream extends HttpContext {
  onRequestHeaders(count: u32, endOfStream: bool): Action {
    const queue = resolveSharedQueue("jobs");
    report("streamEnqueue", queue !== null ? decimal(queue.enqueueString("from stream " + decimal(this.id))) : "no queue");
    return Action.Continue;
  }
}

registerRootContext((id: u32): RootContext => new Root(id), "queue_test");
`;

/** A filter with every callback exported that uses no queue. */
const withoutQueues = `
export * from "sdk/abi/exports";
import { registerRootContext, RootContext } from "sdk/index";
registerRootContext((id: u32): RootContext => new RootContext(id), "plain");
`;

let wasm = "";
let plain = "";
before(async () => {
  wasm = await buildTestFilter("shared-queue", source);
  plain = await buildTestFilter("no-queues", withoutQueues);
});

function start(shared?: SharedStore) {
  return ProxyWasmHost.start({ wasm, rootId: "queue_test", canary: false, vmId: "vm1", shared });
}

test("register is idempotent, resolve finds own and named vm_ids, unknown names and ids are NotFound", async () => {
  const host = await start();
  assert.ok(host.configured, host.failMessage);
  const r = results(host.logs("info"));
  assert.equal(r.get("resolveUnknown"), `null ${Status.NotFound}`);
  const registered = r.get("register");
  assert.match(registered ?? "", /^id [1-9]\d*$/);
  assert.equal(r.get("registerAgain"), registered);
  assert.equal(r.get("resolveOwn"), registered);
  assert.equal(r.get("resolveByVmId"), registered);
  assert.equal(r.get("resolveOtherVm"), `null ${Status.NotFound}`);
  assert.equal(r.get("dequeueEmpty"), `null ${Status.Empty}`);
  assert.equal(r.get("enqueueUnknown"), `${Status.NotFound}`);
  assert.equal(r.get("dequeueUnknown"), `null ${Status.NotFound}`);
  assert.equal(r.get("enqueueBytes"), `${Status.Ok}`);
  assert.equal(r.get("bytes"), "2 7");
});

test("onQueueReady reaches the registering root after the enqueuing callback, items come out FIFO", async () => {
  const host = await start();
  const messages = host.logs("info");
  const ready = messages.findIndex((m) => m.startsWith("ready="));
  assert.ok(ready > messages.indexOf("readyDuringConfigure=none yet"), "delivered after proxy_on_configure returned");
  const queueId = results(messages).get("register")!.slice(3);
  assert.equal(messages[ready], `ready=${queueId} ${host.rootContextId} first;second; then ${Status.Empty}`);
  assert.deepEqual(
    messages.filter((m) => m.startsWith("ready=")).slice(1),
    [`ready=${queueId} ${host.rootContextId}  then ${Status.Empty}`, `ready=${queueId} ${host.rootContextId}  then ${Status.Empty}`],
    "one notification per enqueue (the bytes, first, second); the first drained everything",
  );
  assert.equal(host.sharedQueueSize("jobs"), 0);

  host.clearLogs();
  const stream = host.http().request();
  const r = results(host.logs("info"));
  assert.equal(r.get("streamEnqueue"), `${Status.Ok}`);
  assert.equal(r.get("ready"), `${queueId} ${host.rootContextId} from stream ${stream.id}; then ${Status.Empty}`);

  host.enqueueSharedQueue("jobs", "from the host");
  assert.equal(results(host.logs("info")).get("ready"), `${queueId} ${host.rootContextId} from the host; then ${Status.Empty}`);
});

test("a queue registered again by another worker notifies that worker, from any worker's enqueue", async () => {
  const shared = new SharedStore();
  const first = await start(shared);
  const second = await start(shared);
  first.clearLogs();
  second.clearLogs();
  first.http().request();
  assert.equal(results(first.logs("info")).get("streamEnqueue"), `${Status.Ok}`);
  assert.equal(results(first.logs("info")).get("ready"), undefined);
  assert.match(results(second.logs("info")).get("ready") ?? "", new RegExp(` from stream \\d+; then ${Status.Empty}$`));
});

test("proxy_on_queue_ready is exported but empty in a filter that never registers a queue", async () => {
  const wabt = await wabtInit();
  const module = wabt.readWasm(readFileSync(plain), { readDebugNames: false });
  try {
    const text = module.toText({});
    const index = /\(export "proxy_on_queue_ready" \(func (\d+)\)\)/.exec(text)?.[1];
    assert.ok(index, "exported");
    const start = text.indexOf(`(func (;${index};)`);
    const next = text.indexOf("(func (;", start + 1);
    const body = text.slice(start, next < 0 ? undefined : next).split("\n").slice(1).join("\n");
    assert.match(body, /^\s*(nop\))?\s*$/, `body: ${body}`);
  } finally {
    module.destroy();
  }
  const host = await ProxyWasmHost.start({ wasm: plain, rootId: "plain" });
  assert.ok(host.configured);
  assert.equal(WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(plain))).some((i) => i.name.includes("queue")), false);
});
