// `npm run bench` prints the size of every example's release module and add-header's bound (≤ 8,000
// bytes, examples/add-header/README.md); bench/RESULTS.md gets the same table.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { test } from "node:test";
import { ADD_HEADER_MAX_BYTES, exampleSizes, sizesTable } from "../../testkit/example-sizes.ts";

const root = new URL("../../", import.meta.url).pathname;
const examples = readdirSync(`${root}examples`)
  .filter((name) => existsSync(`${root}examples/${name}/main.ts`))
  .sort();

test("the bench lists every example's build/<name>.wasm with its size, and add-header's bound", () => {
  assert.ok(examples.length >= 10, "examples/*/main.ts");
  for (const name of examples) assert.ok(existsSync(`${root}build/${name}.wasm`), `build/${name}.wasm is missing: run \`npm run asbuild\``);
  const run = spawnSync(process.execPath, ["--import", "tsx", "bench/run.ts", "--sizes-only"], { cwd: root, encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  const out = run.stdout;
  for (const name of examples) {
    const size = statSync(`${root}build/${name}.wasm`).size;
    assert.ok(out.includes(`| ${name} | build/${name}.wasm | ${size.toLocaleString("en-US")} |`), `${name} (${size} bytes) in:\n${out}`);
  }
  const addHeader = statSync(`${root}build/add-header.wasm`).size;
  const mark = addHeader <= ADD_HEADER_MAX_BYTES ? "✓" : "✗";
  assert.ok(out.includes(`- add-header: ${addHeader.toLocaleString("en-US")} bytes (bound ≤ 8,000) ${mark}`), out);
  assert.deepEqual(
    exampleSizes().map((s) => s.name),
    examples,
  );
});

test("add-header over its bound or not built is ✗", () => {
  assert.equal(ADD_HEADER_MAX_BYTES, 8_000);
  const at = sizesTable([{ name: "add-header", bytes: 8_000 }]);
  assert.match(at, /\| add-header \| build\/add-header\.wasm \| 8,000 \|/);
  assert.match(at, /- add-header: 8,000 bytes \(bound ≤ 8,000\) ✓$/);
  assert.match(sizesTable([{ name: "add-header", bytes: 8_001 }]), /- add-header: 8,001 bytes \(bound ≤ 8,000\) ✗$/);
  const missing = sizesTable([
    { name: "add-header", bytes: null },
    { name: "metrics", bytes: 10 },
  ]);
  assert.match(missing, /\| add-header \| build\/add-header\.wasm \| not built \|/);
  assert.match(missing, /- add-header: not built \(bound ≤ 8,000 bytes\) ✗$/);
});
