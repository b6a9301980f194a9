// Builds the host emulator as a JavaScript module for filter projects (`npm run build:host`, run by prepack):
//   dist/host.js                 scripts/host/index.ts bundled by esbuild (Node built-ins only)
//   dist/types/host/**/*.d.ts    its type declarations (tsc, relative imports rewritten to .js), with
//   dist/types/wasm/reader.d.ts  the shared wasm reader they import
// package.json exports it as `proxy-wasm-assemblyscript/host`, which the tests `proxy-wasm init` scaffolds
// import. Usage: node scripts/bundle-host.mjs [out-dir]   (default: dist)
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const outDir = process.argv[2] ?? join(root, "dist");
const typesRoot = join(outDir, "types");
const typesDir = join(typesRoot, "host");

await build({
  entryPoints: [join(root, "scripts", "host", "index.ts")],
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  outfile: join(outDir, "host.js"),
  logLevel: "warning",
});

rmSync(typesDir, { recursive: true, force: true });
rmSync(join(typesRoot, "wasm"), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
const result = spawnSync(
  process.execPath,
  [
    tsc,
    join(root, "scripts", "host", "index.ts"),
    "--declaration",
    "--emitDeclarationOnly",
    "--noCheck",
    "--outDir",
    typesRoot,
    "--rootDir",
    join(root, "scripts"),
    "--module",
    "nodenext",
    "--moduleResolution",
    "nodenext",
    "--target",
    "es2022",
    "--strict",
    "--allowImportingTsExtensions",
    "--skipLibCheck",
    "--types",
    "node",
  ],
  { stdio: "inherit" },
);
if (result.status !== 0) process.exit(result.status ?? 1);

// Declarations keep the sources' "./x.ts" specifiers; consumers resolve "./x.js" to "./x.d.ts".
function rewrite(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) rewrite(path);
    else if (name.endsWith(".d.ts")) {
      const text = readFileSync(path, "utf8");
      writeFileSync(path, text.replace(/(["'])(\.{1,2}\/[^"']+)\.ts\1/g, "$1$2.js$1"));
    }
  }
}
rewrite(typesRoot);
