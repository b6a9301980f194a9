// Bundles the CLI (scripts/bin.ts) with esbuild into one ESM file. Used by `npm run build:cli` and by
// tests that need their own copy (pass the output path as the first argument).
import { build } from "esbuild";
import { rename } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/** esbuild options for the CLI bundle, shared by the npm script and the tests. */
export function cliBundleOptions(outfile) {
  return {
    entryPoints: [`${root}scripts/bin.ts`],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile,
    logLevel: "warning",
    // The compiler stays an installed dependency (loaded at run time, with its binaryen build).
    external: ["assemblyscript", "assemblyscript/*"],
    // CommonJS dependencies bundled into ESM (yaml) call require(); give them Node's.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // Written beside the old bundle and renamed over it, so that a CLI starting meanwhile reads a whole file.
  const outfile = process.argv[2] ?? `${root}dist/cli.js`;
  const temporary = `${outfile}.${process.pid}.tmp.js`;
  await build(cliBundleOptions(temporary));
  await rename(temporary, outfile);
}
