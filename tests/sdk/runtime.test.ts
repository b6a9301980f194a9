// The SDK's runtime (assembly/runtime.ts), which `proxy-wasm build` puts in place of AssemblyScript's
// `minimal` one: objects of every size class survive collections intact while the garbage around them
// is reused, growing arrays and maps move, and memory stays flat over many streams.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ProxyWasmHost } from "../../scripts/host/index.ts";
import { sdkRuntimePath, useSdkRuntime } from "../../scripts/build/sdk-runtime.ts";
import { buildTestFilter, results } from "./build-test-filter.ts";

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
  const text = Buffer.from(readFileSync(wasm)).toString("utf16le") + Buffer.from(readFileSync(wasm)).subarray(1).toString("utf16le");
  assert.equal(text.includes("~lib/rt/tlsf"), false);
  const plain = Buffer.from(readFileSync(join(root, "build", "add-header.wasm"))).toString("latin1");
  assert.equal(plain.includes("__heapInUse"), false, "runtime internals are not exported");
});

test("the runtime is found in an installed package, in this repository, and replaces asc's minimal one", () => {
  assert.equal(sdkRuntimePath(root), join(root, "assembly", "runtime.ts"));
  const project = mkdtempSync(join(tmpdir(), "sdk-runtime-"));
  try {
    const installed = join(project, "node_modules", "proxy-wasm-assemblyscript");
    mkdirSync(join(installed, "assembly"), { recursive: true });
    writeFileSync(join(installed, "package.json"), JSON.stringify({ name: "proxy-wasm-assemblyscript" }));
    writeFileSync(join(installed, "assembly", "runtime.ts"), "// installed runtime\n");
    assert.equal(sdkRuntimePath(project), join(installed, "assembly", "runtime.ts"));
    const files: Record<string, string> = { "rt/index-minimal": 'import "./tlsf";' };
    assert.equal(useSdkRuntime(files, project), true);
    assert.equal(files["rt/proxy-wasm"], "// installed runtime\n");
    assert.equal(files["rt/index-minimal"], 'import "./proxy-wasm";\n');
    assert.equal(useSdkRuntime({}, project), false, "a compiler without a minimal runtime is left alone");
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
});
