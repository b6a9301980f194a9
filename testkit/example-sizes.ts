// The size of every example's release module (build/<name>.wasm, as `npm run asbuild` writes it), for
// `npm run bench` and bench/RESULTS.md. add-header is the SDK's size benchmark: at most 8,000 bytes.

import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** examples/add-header/README.md: the release module must stay at most this many bytes. */
export const ADD_HEADER_MAX_BYTES = 8_000;

export interface ExampleSize {
  /** The example's directory name under examples/ (and its module's name under build/). */
  name: string;
  /** Size of build/<name>.wasm in bytes, or null if it is not built. */
  bytes: number | null;
}

/** Every example (examples/<name>/main.ts, the build entries), sorted by name, with its release module size. */
export function exampleSizes(root = ROOT): ExampleSize[] {
  const examples = join(root, "examples");
  return readdirSync(examples)
    .filter((name) => existsSync(join(examples, name, "main.ts")))
    .sort()
    .map((name) => {
      const wasm = join(root, "build", `${name}.wasm`);
      return { name, bytes: existsSync(wasm) ? statSync(wasm).size : null };
    });
}

const bytes = (n: number) => n.toLocaleString("en-US");

/** A Markdown table of the sizes, then add-header's bound with ✓ or ✗. */
export function sizesTable(sizes: readonly ExampleSize[]): string {
  const rows = sizes.map((s) => `| ${s.name} | build/${s.name}.wasm | ${s.bytes === null ? "not built" : bytes(s.bytes)} |`);
  const addHeader = sizes.find((s) => s.name === "add-header")?.bytes ?? null;
  const bound =
    addHeader === null
      ? `- add-header: not built (bound ≤ ${bytes(ADD_HEADER_MAX_BYTES)} bytes) ✗`
      : `- add-header: ${bytes(addHeader)} bytes (bound ≤ ${bytes(ADD_HEADER_MAX_BYTES)}) ${addHeader <= ADD_HEADER_MAX_BYTES ? "✓" : "✗"}`;
  return ["| example | release module | size (bytes) |", "|---|---|---:|", ...rows, "", bound].join("\n");
}
