// Runs every Node test file (`*.test.ts` under tests/ and examples/) with node:test and tsx.
// Node 20's `--test` does not glob TypeScript files itself, so we list them here.
// Usage: node tests/run-node-tests.mjs [filter-substring ...]
// Output: one line per file and every failure in full (tests/reporter.mjs), then node:test's totals;
// TEST_REPORTER=spec (or tap, dot) gives one of node's own reporters.
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { spawnSync } from "node:child_process";

const root = new URL("..", import.meta.url).pathname;
const filters = process.argv.slice(2);

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith(".test.ts")) out.push(relative(root, path));
  }
  return out;
}

const files = [...collect(join(root, "tests"), []), ...collect(join(root, "examples"), [])]
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error("no test files matched");
  process.exit(1);
}
const reporter = process.env.TEST_REPORTER || join(root, "tests", "reporter.mjs");
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-concurrency=2", `--test-reporter=${reporter}`, "--test-reporter-destination=stdout", ...files],
  { cwd: root, stdio: "inherit" },
);
process.exit(result.status ?? 1);
