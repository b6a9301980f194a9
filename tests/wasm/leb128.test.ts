// Unsigned LEB128 (scripts/wasm/leb128.ts) and the custom-section head built on it (testkit), which the
// memory cap rewrite, the size-limit tests and the OCI memory bench use: known encodings, and modules
// padded with such a section that V8 accepts with the padding where the head says.
import assert from "node:assert/strict";
import { test } from "node:test";
import { unsignedLeb128 } from "../../scripts/wasm/leb128.ts";
import { customSectionHead } from "../../testkit/custom-section.ts";

test("unsigned LEB128: 7 bits a byte, low first, the high bit set on all but the last", () => {
  assert.deepEqual(unsignedLeb128(0), [0x00]);
  assert.deepEqual(unsignedLeb128(127), [0x7f]);
  assert.deepEqual(unsignedLeb128(128), [0x80, 0x01]);
  assert.deepEqual(unsignedLeb128(624485), [0xe5, 0x8e, 0x26]);
  assert.deepEqual(unsignedLeb128(2 ** 32 - 1), [0xff, 0xff, 0xff, 0xff, 0x0f]);
});

test("a module padded by a custom section is valid wasm and names the section", () => {
  const empty = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  for (const payload of [0, 1, 200, 70_000]) {
    const bytes = Buffer.concat([Buffer.from(empty), customSectionHead("padding", payload), Buffer.alloc(payload, 7)]);
    const module = new WebAssembly.Module(bytes);
    const [section] = WebAssembly.Module.customSections(module, "padding");
    assert.equal(section?.byteLength, payload);
  }
});
