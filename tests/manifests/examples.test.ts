// The README and `manifests --help` agree with the library and with each other: every example in either
// runs as written (offline, in this repository once add-header is built), and the README's table of which
// kind takes which option is KINDS.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { manifestsCommand } from "../../scripts/commands/manifests.ts";
import { flagOf } from "../../scripts/commands/flags.ts";
import { COMMON_OPTIONS, KINDS } from "../../scripts/manifests/index.ts";
import type { OptionName } from "../../scripts/manifests/options.ts";
import { MANIFEST_KINDS } from "../../scripts/manifests/types.ts";
import { repoRoot, runManifests } from "./helpers.ts";

const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
const deploying = readme.slice(readme.indexOf("## Deploying\n"), readme.indexOf("\n## ", readme.indexOf("## Deploying\n") + 1));

/** Words of a shell command line: single and double quotes, no expansion (the examples need none). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const match of line.matchAll(/'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g)) words.push(match[1] ?? match[2] ?? match[3]!);
  return words;
}

/** The `manifests` command lines of a text: continuations joined, comments and output redirections dropped. */
function manifestsExamples(text: string): string[][] {
  const joined = text.replace(/\\\n\s*/g, " ");
  return joined
    .split("\n")
    .filter((line) => /^\s*(npx )?proxy-wasm manifests /.test(line))
    .map((line) => line.replace(/\s+#.*$/, "").replace(/\s+>\s*\S+\s*$/, ""))
    .map((line) => shellWords(line).slice(line.trim().startsWith("npx") ? 3 : 2));
}

describe("manifests examples and documentation", () => {
  const built = existsSync(join(repoRoot, "build", "add-header.wasm"));

  for (const [where, text] of [
    ["manifests --help", manifestsCommand.help],
    ["the README's Deploying section", deploying],
  ] as const) {
    it(`every example in ${where} runs as written`, async () => {
      assert.ok(built, "build/add-header.wasm is missing: run `npm run asbuild`");
      const examples = manifestsExamples(text);
      assert.ok(examples.length >= 5, `found ${examples.length} examples`);
      for (const args of examples) {
        const { code } = await runManifests(args, { cwd: repoRoot }).catch((error: Error) => {
          throw new Error(`${args.join(" ")}: ${error.message}`);
        });
        assert.equal(code, 0, args.join(" "));
      }
    });
  }

  it("the README's table of options per kind is KINDS", () => {
    const rows = deploying.split("\n").filter((line) => line.startsWith("| `--"));
    const table = new Map(rows.map((row) => {
      const [flag, ...cells] = row.split("|").slice(1, -1).map((cell) => cell.trim());
      return [flag!.replace(/`/g, ""), cells.map((cell) => cell === "✓")];
    }));
    const specific = [...new Set(MANIFEST_KINDS.flatMap((kind) => KINDS[kind].options))].filter((o) => !COMMON_OPTIONS.includes(o));
    assert.deepEqual([...table.keys()].sort(), specific.map((option: OptionName) => flagOf(option)).sort());
    for (const option of specific) {
      assert.deepEqual(table.get(flagOf(option)), MANIFEST_KINDS.map((kind) => KINDS[kind].options.includes(option)), flagOf(option));
    }
  });
});
