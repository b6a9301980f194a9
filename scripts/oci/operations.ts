/**
 * Push, pull and inspect on any Store. A push uploads every blob first and the manifest last, so a tag
 * never points at a manifest whose blobs are missing; a pull verifies the manifest and every blob it
 * reads against their digests before handing back the module.
 */
import { basename } from "node:path";
import { isDigest } from "./digest.ts";
import { OciError } from "./errors.ts";
import { locateWasm, type Artifact, type DetectedFormat, type FormatName } from "./formats.ts";
import { parseManifest, selectIndexChild, type Descriptor, type ImageIndex, type ImageManifest } from "./manifest.ts";
import type { Store, TransferProgress } from "./store.ts";
import { targetVerdicts, type DeployTarget, type TargetVerdict } from "./targets.ts";
import { gunzip, readTar } from "./tar.ts";
import { hasWasmHeader } from "./wasm-module.ts";

export interface LayerSummary {
  mediaType: string;
  digest: string;
  size: number;
}

export interface PushResult {
  digest: string;
  mediaType: string;
  format: FormatName;
  layers: LayerSummary[];
  /** Digests of blobs whose bytes were sent, and of those already present. */
  uploaded: string[];
  skipped: string[];
}

export interface OperationOptions {
  progress?: TransferProgress;
}

export async function pushArtifact(store: Store, target: string, artifact: Artifact, options: OperationOptions = {}): Promise<PushResult> {
  if (isDigest(target) && target !== artifact.manifestDescriptor.digest) {
    throw new OciError(`the manifest's digest is ${artifact.manifestDescriptor.digest}, not ${target}`);
  }
  const uploaded: string[] = [];
  const skipped: string[] = [];
  const descriptors = new Map<string, Descriptor>();
  for (const descriptor of [...artifact.manifest.layers, artifact.manifest.config]) descriptors.set(descriptor.digest, descriptor);
  for (const [digest, bytes] of artifact.blobs) {
    const outcome = await store.pushBlob(descriptors.get(digest)!, bytes, options.progress);
    (outcome === "uploaded" ? uploaded : skipped).push(digest);
  }
  const mediaType = artifact.manifestDescriptor.mediaType;
  const digest = await store.pushManifest(target, mediaType, artifact.manifestBytes);
  return {
    digest,
    mediaType,
    format: artifact.format,
    layers: artifact.manifest.layers.map(({ mediaType: m, digest: d, size }) => ({ mediaType: m, digest: d, size })),
    uploaded,
    skipped,
  };
}

export interface ResolvedManifest {
  /** Digest and media type of what the target names (an index, if it names one). */
  digest: string;
  mediaType: string;
  bytes: Uint8Array;
  /** The image manifest (the chosen child when the target is an index). */
  manifest: ImageManifest;
  manifestDigest: string;
  manifestMediaType: string;
  index?: ImageIndex;
  /** The index entry `selectIndexChild` chose (when the target is an index). */
  indexChild?: Descriptor;
}

/** Fetches the manifest a tag or digest names; an index is resolved to its wasm (or first) child. */
export async function resolveManifest(store: Store, target: string): Promise<ResolvedManifest> {
  const top = await store.fetchManifest(target);
  const parsed = parseManifest(top.bytes, top.descriptor.mediaType);
  const mediaType = top.descriptor.mediaType || parsed.mediaType;
  if (parsed.kind === "manifest") {
    return {
      digest: top.descriptor.digest,
      mediaType,
      bytes: top.bytes,
      manifest: parsed.manifest,
      manifestDigest: top.descriptor.digest,
      manifestMediaType: mediaType,
    };
  }
  const child = selectIndexChild(parsed.index);
  const fetched = await store.fetchManifest(child.digest);
  if (fetched.bytes.byteLength !== child.size) throw new OciError(`size mismatch for manifest ${child.digest}`);
  const inner = parseManifest(fetched.bytes, fetched.descriptor.mediaType || child.mediaType);
  if (inner.kind !== "manifest") throw new OciError(`nested index ${child.digest} is not supported`);
  return {
    digest: top.descriptor.digest,
    mediaType,
    bytes: top.bytes,
    manifest: inner.manifest,
    manifestDigest: child.digest,
    manifestMediaType: fetched.descriptor.mediaType || inner.mediaType,
    index: parsed.index,
    indexChild: child,
  };
}

export interface PullResult {
  digest: string;
  mediaType: string;
  format: DetectedFormat;
  layer: Descriptor;
  wasm: Uint8Array;
  manifest: ImageManifest;
}

export async function pullWasm(store: Store, target: string, options: OperationOptions = {}): Promise<PullResult> {
  const resolved = await resolveManifest(store, target);
  const located = locateWasm(resolved.manifest);
  // The config is part of the artifact: fetch and verify it too.
  await store.fetchBlob(resolved.manifest.config, options.progress);
  const layerBytes = await store.fetchBlob(located.layer, options.progress);
  const wasm = located.packaging === "raw" ? layerBytes : extractPluginWasm(layerBytes, located.layer.digest);
  if (!hasWasmHeader(wasm)) throw new OciError(`layer ${located.layer.digest} does not hold a wasm module (no \\0asm header)`);
  return {
    digest: resolved.digest,
    mediaType: resolved.mediaType,
    format: located.format,
    layer: located.layer,
    wasm,
    manifest: resolved.manifest,
  };
}

/** The first `plugin.wasm` (by base name) in a tar+gzip layer, as Istio reads the compat variant. */
export function extractPluginWasm(layer: Uint8Array, digest: string): Uint8Array {
  let tar: Uint8Array;
  try {
    tar = gunzip(layer);
  } catch {
    throw new OciError(`layer ${digest} is not gzip-compressed`);
  }
  let entries;
  try {
    entries = readTar(tar);
  } catch (error) {
    throw new OciError(`layer ${digest}: ${(error as Error).message}`);
  }
  const entry = entries.find((e) => basename(e.name) === "plugin.wasm");
  if (!entry) throw new OciError(`layer ${digest} holds no plugin.wasm (files: ${entries.map((e) => e.name).join(", ") || "none"})`);
  return entry.data;
}

export interface InspectResult {
  digest: string;
  mediaType: string;
  manifestDigest: string;
  manifest: ImageManifest;
  index?: ImageIndex;
  /** The exact manifest bytes (of the target; an index if it names one). */
  manifestBytes: Uint8Array;
  config: { descriptor: Descriptor; bytes: Uint8Array; json?: unknown };
  format: DetectedFormat | "unknown";
  wasmLayer?: Descriptor;
  istio: { ok: boolean; reason: string };
  /** Which deployment targets load it (targets.ts); `istio` above is `targets.istio`. */
  targets: Record<DeployTarget, TargetVerdict>;
}

export async function inspectArtifact(store: Store, target: string): Promise<InspectResult> {
  const resolved = await resolveManifest(store, target);
  const configBytes = await store.fetchBlob(resolved.manifest.config);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(configBytes));
  } catch {
    json = undefined;
  }
  let format: DetectedFormat | "unknown" = "unknown";
  let wasmLayer: Descriptor | undefined;
  try {
    const located = locateWasm(resolved.manifest);
    format = located.format;
    wasmLayer = located.layer;
  } catch {
    // inspect describes anything; only pull insists on a module
  }
  const targets = targetVerdicts(resolved.manifest, resolved.manifestMediaType);
  const result: InspectResult = {
    digest: resolved.digest,
    mediaType: resolved.mediaType,
    manifestDigest: resolved.manifestDigest,
    manifest: resolved.manifest,
    manifestBytes: resolved.bytes,
    config: { descriptor: resolved.manifest.config, bytes: configBytes, ...(json !== undefined ? { json } : {}) },
    format,
    istio: targets.istio,
    targets,
  };
  if (resolved.index) result.index = resolved.index;
  if (wasmLayer) result.wasmLayer = wasmLayer;
  return result;
}

export interface FetchedArtifact extends InspectResult {
  /** The module's layer and how its format was recognised. */
  format: DetectedFormat;
  wasmLayer: Descriptor;
  /** The module, verified against the layer digest (extracted from tar+gzip for the compat format). */
  wasm: Uint8Array;
}

/** Everything `inspect` shows plus the verified module bytes; refuses an artifact without a module. */
export async function fetchArtifactFrom(store: Store, target: string, options: OperationOptions = {}): Promise<FetchedArtifact> {
  const inspected = await inspectArtifact(store, target);
  const located = locateWasm(inspected.manifest);
  const layerBytes = await store.fetchBlob(located.layer, options.progress);
  const wasm = located.packaging === "raw" ? layerBytes : extractPluginWasm(layerBytes, located.layer.digest);
  if (!hasWasmHeader(wasm)) throw new OciError(`layer ${located.layer.digest} does not hold a wasm module (no \\0asm header)`);
  return { ...inspected, format: located.format, wasmLayer: located.layer, wasm };
}
