/** Shared fixtures for the manifests tests: a tiny real wasm module, temp dirs, the CRD schemas, the seeds. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { cliBundleOptions } from "../../scripts/bundle-cli.mjs";
import wabtInit from "wabt";
import { Ajv, type ValidateFunction } from "ajv";
import { parse, parseAllDocuments } from "yaml";
import { createManifestsCommand, type ManifestsDependencies } from "../../scripts/commands/manifests.ts";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
/** Istio's CRDs and the seed articles' example resources (tests/fixtures/README.md). */
export const fixturesDir = join(repoRoot, "tests", "fixtures");

/**
 * The smallest module Envoy (and the emulator) starts as a Proxy-Wasm filter: memory, a bump allocator as
 * malloc/proxy_on_memory_allocate, the ABI marker, _initialize and root callbacks that accept any
 * configuration. `extra` adds fields (another export makes another module).
 */
export function filterWat(extra = ""): string {
  return `(module
  (memory (export "memory") 1)
  (global $next (mut i32) (i32.const 1024))
  (func $malloc (export "malloc") (param $size i32) (result i32)
    (local $at i32)
    (local.set $at (global.get $next))
    (global.set $next (i32.add (global.get $next) (local.get $size)))
    (local.get $at))
  (export "proxy_on_memory_allocate" (func $malloc))
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "_initialize"))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.const 1))${extra})`;
}
export const FILTER_WAT = filterWat();
/** A module Envoy refuses to start (no malloc): the 80-byte module of docs/oci.md §4.1. */
export const TINY_WAT_WITHOUT_MALLOC =
  '(module (memory (export "memory") 1) (func (export "proxy_abi_version_0_2_1")) (func (export "_start")))';
/** sha256 of FILTER_WAT compiled by wabt. */
export const FILTER_WASM_SHA256 = "ed08f0a9b24a316de8b7e57e2bebae78a0badf8ccb236dfa9aa4cf407b526751";

export async function compileWat(text: string): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const module = wabt.parseWat("module.wat", text);
  try {
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

export interface TempDir {
  path: string;
  write(name: string, bytes: Uint8Array | string): string;
  remove(): void;
}

export function tempDir(): TempDir {
  const path = mkdtempSync(join(tmpdir(), "manifests-test-"));
  return {
    path,
    write(name, bytes) {
      const file = join(path, name);
      writeFileSync(file, bytes);
      return file;
    },
    remove() {
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/** Runs `manifests` in-process and captures stdout/stderr. Errors propagate (as thrown). */
export async function runManifests(
  args: string[],
  deps: ManifestsDependencies = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const command = createManifestsCommand({
    ...deps,
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
  });
  const code = await command.run(args);
  return { code, stdout, stderr };
}

/** Runs with --json and returns the parsed `{documents, patches, notes}`. */
export async function manifestsJson(
  args: string[],
  deps: ManifestsDependencies = {},
): Promise<{ documents: any[]; patches: any[]; notes: string[] }> {
  const { stdout } = await runManifests([...args, "--json"], deps);
  return JSON.parse(stdout);
}

/** A validator for the `openAPIV3Schema` of a CRD file in tests/fixtures/istio-crds (strict off: x-kubernetes-*). */
export function crdValidator(file: string, version: string): ValidateFunction {
  const crd = parse(readFileSync(join(fixturesDir, "istio-crds", file), "utf8"));
  const entry = crd.spec.versions.find((v: { name: string }) => v.name === version);
  if (!entry) throw new Error(`${file} has no version ${version}`);
  const ajv = new Ajv({ strict: false, allErrors: true });
  // Formats the CRDs use; checked like the API server would.
  ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat("date-time", (s: string) => !Number.isNaN(Date.parse(s)));
  return ajv.compile(entry.schema.openAPIV3Schema);
}

/** Parses a multi-document YAML stream, failing on any YAML error. */
export function parseYamlStream(text: string): unknown[] {
  return parseAllDocuments(text).map((doc) => {
    if (doc.errors.length > 0) throw doc.errors[0];
    return doc.toJS();
  });
}

/** One of the seed articles' example resources, parsed (tests/fixtures/seed-examples). */
export function seedExample(file: string): any {
  return parse(readFileSync(join(fixturesDir, "seed-examples", file), "utf8"));
}

/** Bundles the CLI exactly like `npm run build:cli`, into `dir` (dist/ belongs to the whole team). */
export async function bundleCli(dir: string): Promise<string> {
  const outfile = join(dir, "cli.js");
  await build(cliBundleOptions(outfile));
  return outfile;
}
