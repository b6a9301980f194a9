// The examples' READMEs ship in the npm package, their tests do not (package.json "files" leaves out
// examples/**/*.test.ts and tests/): a README that names a test file says it is in the repository, so that
// it is true in a checkout and in node_modules alike.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";

const examples = fileURLToPath(new URL("../../examples/", import.meta.url));
/** examples/body-rewrite is being reworked under issue 14, which words its README. */
test("an example README names test files only as the repository's", () => {
  const readmes = readdirSync(examples);
  assert.ok(readmes.length >= 9, "every example has a README");
  for (const name of readmes) {
    const text = readFileSync(join(examples, name, "README.md"), "utf8");
    for (const paragraph of text.split(/\n\s*\n/)) {
      if (!/\.test\.ts`/.test(paragraph)) continue;
      assert.match(paragraph, /\brepository/, `examples/${name}/README.md names a test file the package does not ship:\n${paragraph}`);
    }
  }
});
