/**
 * Resolving where the module comes from: an example name (`add-header` → `build/add-header.wasm`), a local
 * file (`--wasm`), or a pushed OCI reference (`--image`, whose manifest digest is looked up through an
 * injected `DigestResolver` when the kind needs it).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { UsageError } from "../cli-errors.ts";
import type { SourceNames } from "./input.ts";
import type { ModuleSource } from "./types.ts";

/** Options for talking to the registry when a digest has to be looked up. */
export interface RegistryOptions {
  /** Use http:// instead of https://. */
  plainHttp?: boolean;
  /** Skip TLS certificate verification. */
  insecure?: boolean;
}

/** Looks up the manifest digest (`sha256:<hex>`) a reference currently points at. */
export type DigestResolver = (reference: string, options: RegistryOptions) => Promise<string>;

export interface SourceRequest {
  example?: string;
  image?: string;
  wasm?: string;
  url?: string;
  digest?: string;
  /** Whether the generator needs the manifest digest of an image. */
  needDigest: boolean;
  registry: RegistryOptions;
  /** Directory `build/<example>.wasm` is looked up in. */
  cwd: string;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const EXAMPLE_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;
/** `host[:port]/path[:tag][@sha256:hex]` (the registry host is required: the cluster has no default). */
const REFERENCE =
  /^(?<host>[A-Za-z0-9.-]+(?::\d+)?|\[[0-9a-fA-F:]+\](?::\d+)?)\/(?<path>[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*)(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9._-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/;

export interface ParsedReference {
  /** Without a scheme. */
  reference: string;
  repositoryName: string;
  tag?: string;
  digest?: string;
}

export function parseImageReference(raw: string): ParsedReference {
  const reference = raw.replace(/^oci:\/\//, "");
  const match = REFERENCE.exec(reference);
  if (!match?.groups) {
    throw new UsageError(
      `invalid --image "${raw}": expected registry/repository[:tag][@sha256:digest], e.g. ghcr.io/acme/add-header:v1`,
    );
  }
  const { host, path, tag, digest } = match.groups;
  if (!/[.:\[]/.test(host!) && host !== "localhost") {
    throw new UsageError(
      `--image "${raw}" does not start with a registry host; spell it out (e.g. docker.io/${reference})`,
    );
  }
  if (tag === undefined && digest === undefined) {
    throw new UsageError(`--image "${raw}" has neither a tag nor a digest; add :<tag> or @sha256:<digest>`);
  }
  return { reference, repositoryName: path!.split("/").pop()!, tag, digest };
}

/** Checks the wasm magic and version, like istio-agent does (`\0asm`, at least 8 bytes). */
export function checkWasm(bytes: Uint8Array, path: string): void {
  const magic = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  if (bytes.length < 8 || magic.some((b, i) => bytes[i] !== b)) {
    throw new UsageError(`${path} is not a WebAssembly module (no \\0asm version 1 header)`);
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
    throw new UsageError(code === "ENOENT" ? `${path} not found${hint}` : `cannot read ${path}: ${code ?? error}`);
  }
  checkWasm(bytes, path);
  return { bytes, path: absolute };
}

/** Resolves the module source, looking up the image digest with `resolver` when needed. */
export async function resolveSource(
  request: SourceRequest,
  resolver: DigestResolver | undefined,
): Promise<{ source: ModuleSource; names: SourceNames }> {
  const { example, image, wasm, url } = request;
  if (example !== undefined && !EXAMPLE_NAME.test(example)) {
    throw new UsageError(`invalid example name "${example}" (expected e.g. add-header); for a file use --wasm`);
  }
  if (image !== undefined && wasm !== undefined) throw new UsageError("give either --image or --wasm, not both");
  if (url !== undefined && image !== undefined) throw new UsageError("--url goes with --wasm (the file it serves), not --image");
  if (url !== undefined && !/^https?:\/\/[^\s/]+\/\S*$/.test(url)) {
    throw new UsageError(`invalid --url "${url}": expected http(s)://host/path`);
  }
  if (request.digest !== undefined && image === undefined) throw new UsageError("--digest goes with --image");

  if (image !== undefined) {
    const parsed = parseImageReference(image);
    let digest = parsed.digest;
    if (request.digest !== undefined) {
      if (!DIGEST.test(request.digest)) throw new UsageError(`invalid --digest "${request.digest}": expected sha256:<64 hex>`);
      if (digest !== undefined && digest !== request.digest) {
        throw new UsageError(`--digest ${request.digest} contradicts the digest in --image ${image}`);
      }
      digest = request.digest;
    }
    if (digest === undefined && request.needDigest) {
      if (!resolver) throw new UsageError("cannot look up the image digest here; give --digest sha256:<hex>");
      digest = await resolver(parsed.reference, request.registry);
      if (!DIGEST.test(digest)) throw new Error(`the registry returned an unexpected digest "${digest}"`);
    }
    return {
      source: { type: "image", reference: parsed.reference, ...(digest !== undefined ? { digest } : {}) },
      names: { base: example ?? parsed.repositoryName, fromExample: example !== undefined },
    };
  }

  if (wasm === undefined && example === undefined) {
    throw new UsageError("nothing to deploy: give an example name, --wasm <file> or --image <reference>");
  }
  const file =
    wasm !== undefined
      ? readModule(wasm, "")
      : readModule(resolve(request.cwd, "build", `${example}.wasm`), " (run `npm run asbuild` first)");
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
