// Reads one exported function of a built module as WebAssembly text, to check that a callback of an
// unused feature compiled to nothing.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import wabtInit from "wabt";

/** The body of the function exported as `name`, without nops and blank lines ("" when empty). */
export async function exportedBody(path: string, name: string): Promise<string> {
  const wabt = await wabtInit();
  const module = wabt.readWasm(readFileSync(path), { readDebugNames: false });
  try {
    const text = module.toText({});
    const index = new RegExp(`\\(export "${name}" \\(func (\\d+)\\)\\)`).exec(text)?.[1];
    assert.ok(index, `${name} is exported`);
    const start = text.indexOf(`(func (;${index};)`);
    const next = text.indexOf("(func (;", start + 1);
    return text
      .slice(start, next < 0 ? undefined : next)
      .split("\n")
      .slice(1)
      .join("\n")
      .replace(/\bnop\b|\)\s*$/g, "")
      .trim();
  } finally {
    module.destroy();
  }
}
