/** Descriptors and manifests (OCI image-spec), plus a defensive parser for what registries send back. */
import { isDigest, sha256Digest } from "./digest.ts";
import { OciError } from "./errors.ts";
import { INDEX_MEDIA_TYPES, MANIFEST_MEDIA_TYPES, MediaType } from "./media-types.ts";
import { printable } from "./secrets.ts";

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  artifactType?: string;
  platform?: Platform;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export type ParsedManifest = { kind: "manifest"; manifest: ImageManifest } | { kind: "index"; index: ImageIndex };

/** Serialises compactly (the bytes are what the digest names; the registry stores them verbatim). */
export function encodeJson(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

export function descriptorFor(mediaType: string, bytes: Uint8Array, annotations?: Record<string, string>): Descriptor {
  const descriptor: Descriptor = { mediaType, digest: sha256Digest(bytes), size: bytes.byteLength };
  if (annotations && Object.keys(annotations).length > 0) descriptor.annotations = annotations;
  return descriptor;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkDescriptor(value: unknown, where: string): Descriptor {
  if (
    !isRecord(value) ||
    typeof value.mediaType !== "string" ||
    typeof value.digest !== "string" ||
    !isDigest(value.digest) ||
    typeof value.size !== "number" ||
    !Number.isSafeInteger(value.size) ||
    value.size < 0
  ) {
    throw new OciError(`invalid manifest: ${where} is not a valid descriptor`, "invalid-content");
  }
  return value as unknown as Descriptor;
}

/**
 * Parses manifest bytes. `contentType` (from the response header) wins over the body's `mediaType`
 * only when the body has none; indexes are recognised by type or by a `manifests` array.
 */
export function parseManifest(bytes: Uint8Array, contentType?: string): ParsedManifest & { mediaType: string } {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new OciError("invalid manifest: not JSON", "invalid-content");
  }
  if (!isRecord(value) || value.schemaVersion !== 2) throw new OciError("unsupported manifest: schemaVersion is not 2", "invalid-content");
  const declared = typeof value.mediaType === "string" ? value.mediaType : undefined;
  const header = contentType?.split(";")[0]?.trim();
  const mediaType = declared ?? (header && header !== "application/json" ? header : undefined) ?? MediaType.ociManifest;
  if (INDEX_MEDIA_TYPES.includes(mediaType) || (declared === undefined && Array.isArray(value.manifests))) {
    if (!Array.isArray(value.manifests)) throw new OciError("invalid index: no manifests array", "invalid-content");
    value.manifests.forEach((m, i) => checkDescriptor(m, `manifests[${i}]`));
    return { kind: "index", index: value as unknown as ImageIndex, mediaType };
  }
  checkDescriptor(value.config, "config");
  if (!Array.isArray(value.layers)) throw new OciError("invalid manifest: no layers array", "invalid-content");
  value.layers.forEach((l, i) => checkDescriptor(l, `layers[${i}]`));
  return { kind: "manifest", manifest: value as unknown as ImageManifest, mediaType };
}

/** go-containerregistry's default platform: what Istio's and Envoy Gateway's image fetchers pick from an index. */
export const ISTIO_PLATFORM: Readonly<Platform> = { os: "linux", architecture: "amd64" };

function isPlatform(descriptor: Descriptor, platform: Readonly<Platform>): boolean {
  return descriptor.platform?.os === platform.os && descriptor.platform.architecture === platform.architecture;
}

function isWasmPlatform(descriptor: Descriptor): boolean {
  return descriptor.platform?.architecture === "wasm" || (descriptor.platform?.os ?? "").startsWith("wasi");
}

/**
 * The one rule for picking a child of an image index, used by pull, inspect and the manifests command:
 * linux/amd64 first (the child Istio and Envoy Gateway load, so the digest we report is the one they
 * verify), then a wasm platform (`wasm` architecture or a `wasi*` os), then the only child. An index
 * with several children and none of these is refused rather than guessed at.
 */
export function selectIndexChild(index: ImageIndex): Descriptor {
  const children = index.manifests;
  const chosen = children.find((m) => isPlatform(m, ISTIO_PLATFORM)) ?? children.find(isWasmPlatform) ?? (children.length === 1 ? children[0] : undefined);
  if (chosen) return chosen;
  if (children.length === 0) throw new OciError("the image index lists no manifests", "invalid-content");
  const platforms = children.map((m) => (m.platform ? `${m.platform.os}/${m.platform.architecture}` : "none")).join(", ");
  throw new OciError(`the image index has no linux/amd64 or wasm manifest (platforms: ${printable(platforms)})`, "invalid-content");
}

/** Whether the index child is the one Istio would load (linux/amd64). */
export function isIstioPlatform(descriptor: Descriptor): boolean {
  return isPlatform(descriptor, ISTIO_PLATFORM);
}

export function isManifestMediaType(mediaType: string): boolean {
  return MANIFEST_MEDIA_TYPES.includes(mediaType);
}

/**
 * The media type of fetched manifest bytes: the Content-Type if it is a manifest or index type; for a
 * missing or generic `application/json` one, the `mediaType` the body declares, which must then be one.
 * Anything else (an HTML page, a blob) is refused.
 */
export function manifestMediaType(contentType: string | null | undefined, bytes: Uint8Array, what: string): string {
  const header = contentType?.split(";")[0]?.trim().toLowerCase() ?? "";
  if (isManifestMediaType(header)) return header;
  if (header === "" || header === "application/json") {
    let declared: unknown;
    try {
      declared = (JSON.parse(new TextDecoder().decode(bytes)) as { mediaType?: unknown }).mediaType;
    } catch {
      declared = undefined;
    }
    if (typeof declared === "string" && isManifestMediaType(declared)) return declared;
  }
  throw new OciError(`${what} has media type "${printable(header, undefined, 80)}", not a manifest or index type`, "invalid-content");
}
