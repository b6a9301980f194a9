// What a filter named on the command line means (scripts/build/filter-names.ts), the one resolver that
// build, run, push and manifests share: a path as given, the project's own filter and its build/ module, and
// one usage line naming the fix for a filter that is not built or a name nobody has. The package's own
// examples are covered end to end in tests/cli/examples-by-name.test.ts.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { localFilterEntry, resolveEntry, resolveModule, resolveModuleName, rootIdFor } from "../../scripts/build/filter-names.ts";

describe("filter names", () => {
  let project: string;
  before(() => {
    project = mkdtempSync(join(tmpdir(), "proxy-wasm-names-"));
    for (const [folder, name] of [["examples", "built"], ["filters", "unbuilt"], ["filters", "built-debug"]]) {
      mkdirSync(join(project, folder!, name!), { recursive: true });
      writeFileSync(join(project, folder!, name!, "main.ts"), "");
    }
    mkdirSync(join(project, "build"));
    for (const file of ["built.wasm", "built.debug.wasm", "built-debug.debug.wasm"]) writeFileSync(join(project, "build", file), "");
    mkdirSync(join(project, "modules"));
    writeFileSync(join(project, "modules", "mine.debug.wasm"), "");
  });
  after(() => rmSync(project, { recursive: true, force: true }));

  test("the default root id is the name with underscores", () => {
    assert.equal(rootIdFor("add-header"), "add_header");
    assert.equal(rootIdFor("a-b-c"), "a_b_c");
  });

  test("a module: a file as given (named without .wasm / .debug.wasm), else build/<name>.wasm or build/<name>.debug.wasm", () => {
    assert.deepEqual(resolveModule("modules/mine.debug.wasm", project), { path: join(project, "modules", "mine.debug.wasm"), name: "mine" });
    assert.deepEqual(resolveModule("built", project), { path: join(project, "build", "built.wasm"), name: "built" });
    assert.deepEqual(resolveModule("built", project, "debug"), { path: join(project, "build", "built.debug.wasm"), name: "built" });
    assert.deepEqual(resolveModuleName("built-debug", project, "debug"), { path: join(project, "build", "built-debug.debug.wasm"), name: "built-debug" });
  });

  test("a project filter without its module, a missing path, a folder, an unknown name: one usage line each", () => {
    assert.throws(() => resolveModule("unbuilt", project), { name: "UsageError", message: "filters/unbuilt is not built: build/unbuilt.wasm is missing (run `proxy-wasm build unbuilt`)" });
    assert.throws(() => resolveModule("built-debug", project), { message: "filters/built-debug is not built: build/built-debug.wasm is missing (run `proxy-wasm build built-debug`)" });
    assert.throws(() => resolveModuleName("unbuilt", project, "debug"), {
      message: "filters/unbuilt is not built: build/unbuilt.debug.wasm is missing (run `proxy-wasm build unbuilt --debug`)",
    });
    assert.throws(() => resolveModule("modules/other.wasm", project), { message: "cannot read modules/other.wasm: no such file" });
    assert.throws(() => resolveModule("modules/", project), { message: "modules/ is a directory, not a .wasm file" });
    assert.throws(() => resolveModule("no-such-filter", project), { message: '"no-such-filter" is neither a .wasm file nor a built filter (build/no-such-filter.wasm)' });
    assert.throws(() => resolveModuleName("no-such-filter", project), {
      message: '"no-such-filter" is neither a built filter (build/no-such-filter.wasm) nor an example of this package',
    });
  });

  test("a build entry: a main.ts, a folder holding one, or a project filter by name", () => {
    const entry = join(project, "filters", "unbuilt", "main.ts");
    assert.deepEqual(localFilterEntry(project, "unbuilt"), { name: "unbuilt", entry });
    assert.equal(localFilterEntry(project, "modules"), null);
    assert.deepEqual(resolveEntry(project, "unbuilt"), { name: "unbuilt", entry });
    assert.deepEqual(resolveEntry(project, "filters/unbuilt"), { name: "unbuilt", entry });
    assert.deepEqual(resolveEntry(project, "filters/unbuilt/main.ts"), { name: "unbuilt", entry });
    assert.throws(() => resolveEntry(project, "no-such-filter"), { message: /^no build entry found for "no-such-filter"/ });
  });
});
