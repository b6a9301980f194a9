// tests/reporter.mjs, the compact reporter of `npm test`, on real node:test runs: a line per file, every
// failure at the end with its test path, message and location, a file that fails at import with its
// output, a failing before() hook, and node:test's totals last.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";

const reporter = fileURLToPath(new URL("./reporter.mjs", import.meta.url));
let dir = "";
before(() => {
  dir = mkdtempSync(join(tmpdir(), "reporter-"));
  const files: Record<string, string> = {
    "a.test.mjs": `import { describe, test } from "node:test";\nimport assert from "node:assert/strict";\ndescribe("suite", () => {\n  test("one", () => {});\n  test("two", () => { assert.equal(1, 2); });\n});\ntest("top", () => { console.log("printed by a"); });\n`,
    "b.test.mjs": `import { test } from "node:test";\ntest("b1", () => {});\ntest("later", { skip: true }, () => {});\n`,
    "c.test.mjs": `throw new Error("boom at import");\n`,
    "d.test.mjs": `import { before, describe, test } from "node:test";\ndescribe("with a hook", () => {\n  before(() => { throw new Error("hook broke"); });\n  test("never runs", () => {});\n});\n`,
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("one line per file, then each failure in full, then the totals", () => {
  const { env } = process;
  const result = spawnSync(process.execPath, ["--test", `--test-reporter=${reporter}`, "a.test.mjs", "b.test.mjs", "c.test.mjs", "d.test.mjs"], {
    cwd: dir,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...env, NODE_TEST_CONTEXT: undefined },
  });
  assert.equal(result.status, 1);
  const out = result.stdout;
  const lines = out.split("\n");
  assert.deepEqual(
    lines.slice(0, 4).map((l) => l.replace(/  [\d.]+ s$/, "")).sort((x, y) => x.slice(2).localeCompare(y.slice(2))),
    ["✖ a.test.mjs", "✔ b.test.mjs", "✖ c.test.mjs", "✖ d.test.mjs"],
  );
  assert.match(out, /\n✖ a\.test\.mjs\n    ✖ suite › two\n      AssertionError: Expected values to be strictly equal:\n/);
  assert.match(out, /      at TestContext\.<anonymous> \(file:\/\/.*\/a\.test\.mjs:5:\d+\)\n/);
  assert.match(out, /    output of the file:\n    printed by a\n/);
  assert.match(out, /\n✖ c\.test\.mjs\n    ✖ the file failed \(its output says why\)\n    output of the file:\n[^]*Error: boom at import/);
  assert.match(out, /\n✖ d\.test\.mjs\n    ✖ with a hook › never runs\n[^]*    ✖ with a hook\n      hook broke\n/);
  assert.doesNotMatch(out, /✖ b\.test\.mjs/);
  assert.match(out, /\n# tests \d+\n# suites 2\n# pass 3\n# fail \d+\n# cancelled \d+\n# skipped 1\n# todo 0\n# duration_ms [\d.]+\n$/);
});
