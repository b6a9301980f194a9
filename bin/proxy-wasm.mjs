#!/usr/bin/env node
// The `proxy-wasm` command (package.json "bin"): runs the bundled CLI, dist/cli.js. In a source checkout
// (scripts/ present) the bundle is built first when it is missing or older than the sources, so
// `npx proxy-wasm …` works right after `npm ci`; anywhere else a missing bundle is one line, not a stack trace.
import { existsSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { join } from "node:path";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const cli = join(packageDir, "dist", "cli.js");
const bundler = join(packageDir, "scripts", "bundle-cli.mjs");

function newestSourceTime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSourceTime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function isStale() {
  if (!existsSync(cli)) return true;
  const built = statSync(cli).mtimeMs;
  return newestSourceTime(join(packageDir, "scripts")) > built || statSync(join(packageDir, "package.json")).mtimeMs > built;
}

if (existsSync(bundler) && isStale()) {
  try {
    const { build } = await import("esbuild");
    const { cliBundleOptions } = await import(pathToFileURL(bundler).href);
    await build(cliBundleOptions(cli));
  } catch (error) {
    const reason = error?.code === "ERR_MODULE_NOT_FOUND" ? "esbuild is not installed (run npm ci)" : String(error?.message ?? error).split("\n")[0];
    console.error(`error: cannot build dist/cli.js: ${reason}`);
    process.exit(1);
  }
}
if (!existsSync(cli)) {
  console.error(`error: ${cli} is missing: this copy of proxy-wasm-assemblyscript was packed without its CLI bundle`);
  process.exit(1);
}
await import(pathToFileURL(cli).href);
