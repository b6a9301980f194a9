// tests/run-as-specs.mjs, how `npm test` runs the as-pect specs, on a real as-pect run of two small specs
// (one passing, one failing): no logo, runner, config or compiler banner; the line per spec file, the
// failure in full and the summary are as-pect's own; the exit code is as-pect's.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";

const repoRoot = fileURLToPath(new URL("../", import.meta.url));
let dir = "";

before(() => {
  mkdirSync(join(repoRoot, ".tmp"), { recursive: true });
  dir = mkdtempSync(join(repoRoot, ".tmp", "as-specs-"));
  writeFileSync(join(dir, "passing.spec.ts"), `describe("arithmetic", () => {\n  it("adds", () => {\n    expect(1 + 1).toBe(2);\n  });\n});\n`);
  writeFileSync(join(dir, "failing.spec.ts"), `describe("strings", () => {\n  it("compares", () => {\n    expect("left").toBe("right", "the planted failure");\n  });\n});\n`);
  const entries = JSON.stringify(`${relative(repoRoot, dir)}/*.spec.ts`);
  writeFileSync(
    join(dir, "as-pect.config.mjs"),
    `export default { entries: [${entries}], include: [], disclude: [/node_modules/], outputBinary: false,
  async instantiate(memory, createImports, instantiate, binary) { return instantiate(binary, createImports({})); } };\n`,
  );
});
after(() => rmSync(dir, { recursive: true, force: true }));

test("as-pect's output without its banner: a line per spec file, the failure in full, the summary, exit 1", () => {
  const result = spawnSync(
    process.execPath,
    ["tests/run-as-specs.mjs", "--config", relative(repoRoot, join(dir, "as-pect.config.mjs")), "--as-config", "tests/assembly/as-pect.asconfig.json"],
    { cwd: repoRoot, encoding: "utf8", timeout: 120_000, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } },
  );
  const stdout = result.stdout.replace(/\x1b\[[0-9;]*m/g, "");
  assert.equal(result.status, 1, `${stdout}\n${result.stderr}`);
  for (const banner of ["AS-pect", "Test suite runner", "Using config:", "ASC Version:", "___"]) {
    assert.ok(!stdout.includes(banner), `no "${banner}" in:\n${stdout}`);
  }
  const lines = stdout.split("\n");
  assert.ok(lines.some((l) => /^✔ .*passing\.spec\.ts +Pass: 1 \/ 1/.test(l)), stdout);
  assert.ok(lines.some((l) => /^❌ .*failing\.spec\.ts +Pass: 0 \/ 1/.test(l)), stdout);
  assert.match(stdout, /the planted failure/);
  assert.match(stdout, /\[Tests\]: 1 \/ 2/);
  assert.match(stdout, /\[Result\]: ❌ Fail/);
  assert.ok(lines.every((line) => line.trim().length > 0 || line === ""), "no line of only spaces");
});
