/**
 * Resolving where the module comes from, without the network: a filter name (`add-header` →
 * `build/add-header.wasm`, else the package's example; scripts/build/filter-names.ts), a local file
 * (`wasm`), or a pushed OCI reference (`image`; createManifests fetches it afterwards, unless `digest` is given).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { resolveModuleName } from "../build/filter-names.ts";
import { ManifestError, quote } from "./errors.ts";
import { parseReference } from "../oci/index.ts";
import type { SourceNames } from "./input.ts";
import type { ModuleSource } from "./types.ts";

export interface SourceRequest {
  example?: string;
  image?: string;
  wasm?: string;
  url?: string;
  digest?: string;
  /** The project directory a filter name is resolved in (its build/<name>.wasm). */
  cwd: string;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const EXAMPLE_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export interface ParsedReference {
  /** As the cluster should pull it: what was given, without an `oci://` scheme. */
  reference: string;
  /** Last path segment of the repository (the default resource name). */
  repositoryName: string;
  tag?: string;
  digest?: string;
}

/** Validates an image reference with the OCI client's parser; a tag or a sha256 digest is required. */
export function parseImageReference(raw: string): ParsedReference {
  let parsed: ReturnType<typeof parseReference>;
  try {
    parsed = parseReference(raw);
  } catch (error) {
    throw new ManifestError((n) => `invalid ${n("image")}: ${(error as Error).message}`);
  }
  const reference = raw.trim().replace(/^(oci|docker):\/\//, "");
  if (parsed.tag === undefined && parsed.digest === undefined) {
    throw new ManifestError((n) => `${n("image")} ${quote(raw)} has neither a tag nor a digest; add :<tag> or @sha256:<digest>`);
  }
  if (parsed.digest !== undefined && !DIGEST.test(parsed.digest)) {
    throw new ManifestError((n) => `${n("image")} ${quote(raw)}: Istio verifies sha256 digests only`);
  }
  return {
    reference,
    repositoryName: parsed.repository.split("/").pop()!,
    ...(parsed.tag !== undefined ? { tag: parsed.tag } : {}),
    ...(parsed.digest !== undefined ? { digest: parsed.digest } : {}),
  };
}

/** Checks the wasm magic and version, like istio-agent does (`\0asm`, at least 8 bytes). */
export function checkWasm(bytes: Uint8Array, path: string): void {
  const magic = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  if (bytes.length < 8 || magic.some((b, i) => bytes[i] !== b)) {
    throw new ManifestError(() => `${path} is not a WebAssembly module (no \\0asm version 1 header)`);
  }
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function readModule(path: string, hint: string): { bytes: Uint8Array; path: string } {
  const absolute = resolve(path);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ManifestError(() => (code === "ENOENT" ? `${path} not found${hint}` : `cannot read ${path}: ${code ?? error}`));
  }
  checkWasm(bytes, path);
  return { bytes, path: absolute };
}

export interface ResolvedSource {
  source: ModuleSource;
  names: SourceNames;
}

/** Validates the source options and reads a local module; an image's digest is the given one, if any. */
export function resolveSource(request: SourceRequest): ResolvedSource {
  const { example, image, wasm, url } = request;
  if (example !== undefined && !EXAMPLE_NAME.test(example)) {
    throw new ManifestError((n) => `invalid example name ${quote(example)} (expected e.g. add-header); for a file use ${n("wasm")}`);
  }
  if (image !== undefined && wasm !== undefined) throw new ManifestError((n) => `give either ${n("image")} or ${n("wasm")}, not both`);
  if (url !== undefined && image !== undefined) throw new ManifestError((n) => `${n("url")} goes with ${n("wasm")} (the file it serves), not ${n("image")}`);
  if (url !== undefined && !/^https?:\/\/[^\s/]+\/\S*$/.test(url)) {
    throw new ManifestError((n) => `invalid ${n("url")} ${quote(url)}: expected http(s)://host/path`);
  }
  if (request.digest !== undefined && image === undefined) throw new ManifestError((n) => `${n("digest")} goes with ${n("image")}`);

  if (image !== undefined) {
    const parsed = parseImageReference(image);
    const { digest } = request;
    if (digest !== undefined) {
      if (!DIGEST.test(digest)) throw new ManifestError((n) => `invalid ${n("digest")} ${quote(digest)}: expected sha256:<64 hex>`);
      if (parsed.digest !== undefined && parsed.digest !== digest) {
        throw new ManifestError((n) => `${n("digest")} ${digest} contradicts the digest in ${n("image")} ${image}`);
      }
    }
    const names = { base: example ?? parsed.repositoryName, fromExample: example !== undefined };
    return { source: { type: "image", reference: parsed.reference, ...(digest !== undefined ? { digest } : {}) }, names };
  }

  if (wasm === undefined && example === undefined) {
    throw new ManifestError((n) => `nothing to deploy: give an example name, ${n("wasm")} <file> or ${n("image")} <reference>`);
  }
  const file =
    wasm !== undefined
      ? readModule(wasm, "")
      : readModule(resolveModuleName(example!, request.cwd).path, "");
  const fileBase = basename(file.path).replace(/\.wasm$/, "");
  return {
    source: {
      type: "file",
      path: file.path,
      bytes: file.bytes,
      sha256: sha256Hex(file.bytes),
      ...(url !== undefined ? { url } : {}),
    },
    names: { base: example ?? fileBase, fromExample: example !== undefined },
  };
}
