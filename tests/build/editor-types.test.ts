// Editors see the SDK through TypeScript with AssemblyScript's own declarations (a scaffolded project's
// filters/tsconfig.json extends assemblyscript/std/assembly.json): the SDK, the proxy-runtime compat layer
// and every example must type-check there without errors, or users see red squiggles in our package.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";

const root = fileURLToPath(new URL("../..", import.meta.url));

test("tsc with assemblyscript/std/assembly.json: the SDK, assembly/compat and the examples type-check clean", () => {
  const dir = mkdtempSync(join(tmpdir(), "editor-types-"));
  try {
    const config = join(dir, "tsconfig.json");
    writeFileSync(
      config,
      JSON.stringify({
        extends: join(root, "node_modules", "assemblyscript", "std", "assembly.json"),
        include: [join(root, "index.ts"), join(root, "assembly", "**", "*.ts"), join(root, "examples", "*", "*.ts")],
        exclude: [join(root, "examples", "*", "*.test.ts")],
      }),
    );
    const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
    const result = spawnSync(process.execPath, [tsc, "--noEmit", "-p", config, "--listFilesOnly"], { encoding: "utf8", timeout: 120_000 });
    const files = result.stdout.split("\n");
    for (const part of ["assembly/compat/proxy-runtime/bridge.ts", "examples/add-header/main.ts", "assembly/memory.ts"]) {
      assert.ok(files.some((f) => f.endsWith(part)), `${part} is checked`);
    }
    const check = spawnSync(process.execPath, [tsc, "--noEmit", "-p", config], { encoding: "utf8", timeout: 120_000 });
    assert.equal(check.status, 0, `tsc reported:\n${check.stdout}${check.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
