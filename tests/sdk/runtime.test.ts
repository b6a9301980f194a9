// The SDK's runtime (assembly/runtime.ts), which `proxy-wasm build` puts in place of AssemblyScript's
// `minimal` one: objects of every size class survive collections intact while the garbage around them
// is reused, growing arrays and maps move, and memory stays flat over many streams.
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ProxyWasmHost } from "../../scripts/host/index.ts";
import { sdkRuntimePath, useSdkRuntime } from "../../scripts/build/sdk-runtime.ts";
import { assertLibraryFilesUntouched, buildTestFilter, results, usesTlsf } from "./build-test-filter.ts";

const root = new URL("../..", import.meta.url).pathname;

const source = `
export * from "sdk/abi/exports";
import { Action, HttpContext, logInfo, registerRootContext, RootContext } from "sdk/index";
import { decimal } from "sdk/decimal";

/** Bytes whose content is derived from a seed, so a kept one can be checked later. */
class Sample {
  bytes: Uint8Array;
  text: string = "";
  constructor(readonly seed: u32, size: i32) {
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = <u8>(seed + <u32>i * 7);
    this.bytes = bytes;
    this.text = "sample-" + decimal(seed);
  }
  intact(): bool {
    for (let i = 0; i < this.bytes.length; i++) if (this.bytes[i] != <u8>(this.seed + <u32>i * 7)) return false;
    return this.text == "sample-" + decimal(this.seed);
  }
}

// Sizes across the small classes, the quarter-power classes and blocks of tens of KiB.
const SIZES: i32[] = [0, 1, 11, 12, 13, 27, 100, 108, 109, 140, 300, 1000, 4096, 5000, 9000, 30000];

class Root extends RootContext {
  kept: Sample[] = [];
  index: Map<string, string[]> = new Map();
  streams: u32 = 0;
  createHttpContext(id: u32): HttpContext {
    return new Stream(id, this);
  }
}

class Stream extends HttpContext {
  constructor(id: u32, readonly owner: Root) {
    super(id, owner);
  }
  onRequestHeaders(count: u32, endOfStream: bool): Action {
    const root = this.owner;
    const n = root.streams++;
    // Garbage of every size, then one kept sample that replaces an older one.
    for (let i = 0; i < SIZES.length; i++) new Sample(n * 31 + <u32>i, SIZES[i]);
    const sample = new Sample(n, SIZES[n % <u32>SIZES.length]);
    if (root.kept.length < 40) root.kept.push(sample);
    else root.kept[n % 40] = sample;
    // A map whose arrays keep growing (moved on growth) and are cut back now and then.
    const key = "k" + decimal(n % 13);
    if (!root.index.has(key)) root.index.set(key, []);
    const list = root.index.get(key);
    list.push(decimal(n));
    if (list.length > 50) root.index.set(key, [decimal(n)]);
    let broken = 0;
    for (let i = 0; i < root.kept.length; i++) if (!root.kept[i].intact()) broken++;
    const last = list[list.length - 1];
    if (last != decimal(n)) broken++;
    logInfo("stream=" + decimal(n) + " broken=" + decimal(broken));
    return Action.Continue;
  }
}

registerRootContext((id: u32): RootContext => new Root(id), "runtime_test");
`;

let wasm = "";
before(async () => {
  wasm = await buildTestFilter("runtime", source);
});

test("kept objects of every size class stay intact across collections while garbage is reused; memory stays flat", async () => {
  const host = await ProxyWasmHost.start({ wasm, rootId: "runtime_test" });
  assert.equal(host.failed, false, host.failMessage);
  const run = (n: number) => {
    for (let i = 0; i < n; i++) host.http().request().response().complete();
  };
  run(500); // until every size class has held the most it holds at once
  const pages = host.memoryPages();
  run(1000);
  assert.equal(host.failed, false, host.failMessage);
  const lines = host.logs("info").filter((line) => line.startsWith("stream="));
  assert.equal(lines.length, 1500);
  assert.deepEqual(lines.filter((line) => !line.endsWith(" broken=0")), []);
  assert.equal(results(host.logs("info")).get("stream"), "1499 broken=0");
  assert.equal(host.memoryPages(), pages, "linear memory grew after 500 streams");
  assert.ok(pages <= 16, `${pages} pages for about 100 KiB of live data`);
});

test("the build uses the SDK's runtime: no TLSF allocator in the module", () => {
  assert.equal(usesTlsf(wasm), false);
  const plain = Buffer.from(readFileSync(join(root, "build", "add-header.wasm"))).toString("latin1");
  assert.equal(plain.includes("__heapInUse"), false, "runtime internals are not exported");
});

test("the runtime is found in an installed package, in this repository, and replaces asc's minimal one until undone", () => {
  assert.equal(sdkRuntimePath(root), join(root, "assembly", "runtime.ts"));
  const project = mkdtempSync(join(tmpdir(), "sdk-runtime-"));
  try {
    const installed = join(project, "node_modules", "proxy-wasm-assemblyscript");
    mkdirSync(join(installed, "assembly"), { recursive: true });
    writeFileSync(join(installed, "package.json"), JSON.stringify({ name: "proxy-wasm-assemblyscript" }));
    writeFileSync(join(installed, "assembly", "runtime.ts"), "// installed runtime\n");
    assert.equal(sdkRuntimePath(project), join(installed, "assembly", "runtime.ts"));
    const files: Record<string, string> = { "rt/index-minimal": 'import "./tlsf";' };
    const undo = useSdkRuntime(files, project);
    assert.equal(files["rt/proxy-wasm"], "// installed runtime\n");
    assert.equal(files["rt/index-minimal"], 'import "./proxy-wasm";\n');
    assert.ok(undo);
    undo();
    assert.deepEqual(files, { "rt/index-minimal": 'import "./tlsf";' });
    assert.equal(useSdkRuntime({}, project), null, "a compiler without a minimal runtime is left alone");
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
});

test("each build in a process gets the runtime it asks for: a compile after an SDK build gets asc's own files", async () => {
  // `wasm` was built with the SDK's runtime in this process (before()).
  await assertLibraryFilesUntouched("assemblyscript");
  const plain = mkdtempSync(join(tmpdir(), "plain-asc-"));
  try {
    // asc itself, as another tool in the same process would call it: AssemblyScript's minimal runtime.
    writeFileSync(join(plain, "main.ts"), "export function make(n: i32): ArrayBuffer { return new ArrayBuffer(n); }\n");
    writeFileSync(join(plain, "asconfig.json"), "{}");
    const asc = ((await import("assemblyscript/asc")) as unknown as { default: { main(argv: string[], options: object): Promise<{ error: Error | null }> } }).default;
    const out = join(plain, "main.wasm");
    const { error } = await asc.main([join(plain, "main.ts"), "--config", join(plain, "asconfig.json"), "--runtime", "minimal", "-O", "--outFile", out], { stdout: { write() {} }, stderr: { write() {} } });
    assert.equal(error, null);
    assert.equal(usesTlsf(out), true);
  } finally {
    rmSync(plain, { recursive: true, force: true });
  }
  // Builds that overlap: each with its own runtime.
  const small = `export * from "sdk/abi/exports";\nimport { registerRootContext, RootContext } from "sdk/index";\nregisterRootContext((id: u32): RootContext => new RootContext(id), "small");\n`;
  const [sdk, control] = await Promise.all([
    buildTestFilter("runtime-sdk", small),
    buildTestFilter("runtime-control", small, { runtime: "assemblyscript" }),
  ]);
  assert.equal(usesTlsf(sdk), false);
  assert.equal(usesTlsf(control), true);
  await assertLibraryFilesUntouched("assemblyscript");
});

// Edge cases of AssemblyScript's runtime contract, one per request path; a path that traps fails the VM,
// so each of those gets a host of its own.
const edges = `
export * from "sdk/abi/exports";
import { Action, HttpContext, logInfo, registerRootContext, requestHeaders, RootContext } from "sdk/index";

const STATIC_TEXT = "static text: the data segment is never freed";

function pattern(ptr: usize, size: usize, seed: u8): void {
  for (let i: usize = 0; i < size; i++) store<u8>(ptr + i, seed + <u8>i);
}

function hasPattern(ptr: usize, size: usize, seed: u8): bool {
  for (let i: usize = 0; i < size; i++) if (load<u8>(ptr + i) != seed + <u8>i) return false;
  return true;
}

/** A pinned object known only by its address. */
let pinnedAt: usize = 0;

class Moving {
  value: u32 = 0;
}
let movingFinalized: u32 = 0;

// @ts-ignore: decorator
@global function __finalize(ptr: usize): void {
  if (load<u32>(ptr - 8) == idof<Moving>()) movingFinalized++;
}

class Edges extends HttpContext {
  onRequestHeaders(count: u32, endOfStream: bool): Action {
    const path = requestHeaders.get(":path")!;
    if (path == "/free-null-and-static") {
      heap.free(0);
      heap.free(changetype<usize>(STATIC_TEXT));
      heap.free(changetype<usize>(STATIC_TEXT) - 16); // the static object's "block"
      let outside = 0;
      for (let size: usize = 0; size < 70000; size = size * 5 / 4 + 1) {
        const block = heap.alloc(size);
        if (block < __heap_base) outside++;
        pattern(block, size, 7);
      }
      logInfo("outside=" + outside.toString() + " static=" + (STATIC_TEXT == "static text: " + "the data segment is never freed" ? "intact" : "changed"));
    } else if (path == "/renew-pinned") {
      const buffer = new ArrayBuffer(64);
      pattern(changetype<usize>(buffer), 64, 3);
      // @ts-ignore: runtime builtins
      __pin(changetype<usize>(buffer));
      // @ts-ignore
      pinnedAt = __renew(changetype<usize>(buffer), 5000); // moves
      pattern(pinnedAt + 64, 5000 - 64, 67);
    } else if (path == "/renew-pinned-check") {
      // Nothing managed is on the stack but the context, which the SDK holds.
      // @ts-ignore: a runtime builtin
      __collect();
      for (let i = 0; i < 20; i++) pattern(changetype<usize>(new ArrayBuffer(5000)), 5000, 1); // would reuse a freed block
      const intact = hasPattern(pinnedAt, 64, 3) && hasPattern(pinnedAt + 64, 5000 - 64, 67);
      // @ts-ignore: a runtime builtin
      __unpin(pinnedAt); // traps unless it is pinned
      logInfo("pinned=" + (intact ? "intact" : "changed"));
    } else if (path == "/renew-moves") {
      // @ts-ignore: runtime builtins
      __collect(); // nothing managed is on the stack but the context, which the SDK holds
      // @ts-ignore
      const before: usize = __heapInUse;
      const moving = new Moving();
      moving.value = 42;
      let ptr = changetype<usize>(moving);
      // @ts-ignore
      for (let size: usize = 200; size < 10000; size *= 7) ptr = __renew(ptr, size); // 200, 1400, 9800: each moves
      // @ts-ignore
      const grown: usize = __heapInUse - before;
      const value = changetype<Moving>(ptr).value;
      logInfo("grown=" + grown.toString() + " value=" + value.toString());
    } else if (path == "/renew-moves-check") {
      // @ts-ignore: a runtime builtin
      __collect();
      logInfo("finalized=" + movingFinalized.toString());
    } else if (path == "/zero") {
      const a = heap.alloc(0);
      const b = heap.alloc(0);
      const c = new ArrayBuffer(0);
      const d = new ArrayBuffer(0);
      // @ts-ignore: a runtime builtin
      const grown = changetype<ArrayBuffer>(__renew(changetype<usize>(c), 100));
      const grownLength = grown.byteLength;
      // @ts-ignore: a runtime builtin
      const shrunk = changetype<ArrayBuffer>(__renew(changetype<usize>(grown), 0));
      const distinct = a != b && a != 0 && b != 0 && changetype<usize>(c) != changetype<usize>(d);
      logInfo("zero=" + (distinct && grownLength == 100 && shrunk.byteLength == 0 && ("" + "").length == 0 ? "ok" : "wrong"));
      heap.free(a);
      heap.free(b);
    } else if (path == "/grow-failure") {
      const first = heap.alloc(600 << 20);
      pattern(first, 16, 5);
      logInfo("first=" + (hasPattern(first, 16, 5) ? "ok" : "wrong"));
      heap.alloc(600 << 20); // more than Envoy's 1 GiB: memory.grow fails
      logInfo("second=allocated");
    } else if (path == "/too-large") {
      heap.alloc(0xfffffff0);
      logInfo("too-large=allocated");
    } else if (path == "/too-large-object") {
      // @ts-ignore: a runtime builtin
      __new(1 << 30, idof<ArrayBuffer>());
      logInfo("too-large-object=allocated");
    }
    return Action.Continue;
  }
}

class Root extends RootContext {
  createHttpContext(id: u32): HttpContext {
    return new Edges(id, this);
  }
}

registerRootContext((id: u32): RootContext => new Root(id), "edges");
`;

describe("edge cases of AssemblyScript's runtime contract", () => {
  let edgesWasm = "";
  before(async () => {
    edgesWasm = await buildTestFilter("runtime-edges", edges);
  });

  async function request(path: string, host?: ProxyWasmHost): Promise<ProxyWasmHost> {
    host ??= await ProxyWasmHost.start({ wasm: edgesWasm, rootId: "edges" });
    host.http().request({ headers: { ":path": path } }).response().complete();
    return host;
  }

  test("freeing null or static data does nothing (as AssemblyScript's TLSF): no later block lands there", async () => {
    const host = await request("/free-null-and-static");
    assert.equal(host.failed, false, host.failMessage);
    assert.deepEqual(host.logs("info"), ["outside=0 static=intact"]);
  });

  test("a pinned object that __renew moves stays pinned: it survives a collection and can be unpinned", async () => {
    const host = await request("/renew-pinned");
    await request("/renew-pinned-check", host);
    assert.equal(host.failed, false, host.failMessage);
    assert.deepEqual(host.logs("info"), ["pinned=intact"]);
  });

  test("an object __renew moves leaves its old blocks free at once, and is finalized once when collected", async () => {
    const host = await request("/renew-moves");
    await request("/renew-moves-check", host);
    assert.equal(host.failed, false, host.failMessage);
    // Only the last block is in use: 9,800 bytes and the object header fill a block of 10,240.
    assert.deepEqual(host.logs("info"), ["grown=10240 value=42", "finalized=1"]);
  });

  test("zero-size blocks and objects are distinct blocks; objects renew to and from zero", async () => {
    const host = await request("/zero");
    assert.equal(host.failed, false, host.failMessage);
    assert.deepEqual(host.logs("info"), ["zero=ok"]);
  });

  test("running out of memory, or asking for more than a block can hold, traps: nothing is handed out", async () => {
    const grow = await request("/grow-failure");
    assert.equal(grow.failed, true);
    assert.match(grow.failMessage, /unreachable/);
    assert.deepEqual(grow.logs("info"), ["first=ok"]);
    for (const path of ["/too-large", "/too-large-object"]) {
      const host = await request(path);
      assert.equal(host.failed, true, path);
      assert.match(host.failMessage, /unreachable/, path);
      assert.deepEqual(host.logs("info"), [], path);
    }
  });
});
