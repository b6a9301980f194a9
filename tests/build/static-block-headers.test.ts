// scripts/build/static-block-headers.ts: with the SDK's runtime, the objects asc places in the data
// segment carry 0 as their block header (the SDK's runtime never reads it, and 0 costs no data segment);
// with AssemblyScript's runtime (whose TLSF reads it) they keep it. Either way the filter works.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ProxyWasmHost } from "../../scripts/host/index.ts";
import { buildTestFilter, results } from "../sdk/build-test-filter.ts";

const MARKER = "static-block-header-marker";

const source = `
export * from "sdk/abi/exports";
import { logInfo, registerRootContext, RootContext } from "sdk/index";

class Root extends RootContext {
  onConfigure(size: u32): bool {
    const marker = "${MARKER}";
    logInfo("marker=" + marker + " " + marker.length.toString());
    return true;
  }
}

registerRootContext((id: u32): RootContext => new Root(id), "static_headers");
`;

/** The module's memory as instantiated (data segments in place, nothing run), with every import a stub. */
function initialMemory(wasm: string): Uint8Array {
  const module = new WebAssembly.Module(readFileSync(wasm));
  const imports: Record<string, Record<string, () => number>> = {};
  for (const { module: from, name } of WebAssembly.Module.imports(module)) (imports[from] ??= {})[name] = () => 0;
  const instance = new WebAssembly.Instance(module, imports as WebAssembly.Imports);
  return new Uint8Array((instance.exports.memory as WebAssembly.Memory).buffer);
}

/** The block header and the size word of the static string MARKER. */
function markerHeader(wasm: string): { blockHeader: number; size: number } {
  const memory = initialMemory(wasm);
  const at = Buffer.from(memory).indexOf(Buffer.from(MARKER, "utf16le"));
  assert.ok(at >= 20, "the marker string is in the data segment");
  const view = new DataView(memory.buffer);
  return { blockHeader: view.getUint32(at - 20, true), size: view.getUint32(at - 4, true) };
}

test("with the SDK's runtime, static objects carry no block header, and the filter reads them as before", async () => {
  const wasm = await buildTestFilter("static-headers-sdk", source);
  assert.deepEqual(markerHeader(wasm), { blockHeader: 0, size: MARKER.length * 2 });
  const host = await ProxyWasmHost.start({ wasm, rootId: "static_headers" });
  assert.equal(host.failState, "Ok", host.failMessage);
  assert.equal(results(host.logs("info")).get("marker"), `${MARKER} ${MARKER.length}`);
  assert.equal(host.shutdown(), true);
});

test("with AssemblyScript's runtime, static objects keep their block header", async () => {
  const wasm = await buildTestFilter("static-headers-as", source, { runtime: "assemblyscript" });
  const { blockHeader, size } = markerHeader(wasm);
  assert.equal(size, MARKER.length * 2);
  assert.ok(blockHeader >= 16 + size, `block header ${blockHeader}`);
});
