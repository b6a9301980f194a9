/**
 * Push, pull and inspect on any store, as copies and resolves (copy.ts): a push copies the built
 * artifact into a registry or layout (blobs first, the manifest last, so a tag never points at missing
 * blobs); a pull copies one module out into a file or memory, every digest verified on the way; an
 * inspect resolves the target and reads its config.
 */
import { ArtifactSource } from "./artifact-source.ts";
import { copy, manifestNode, type ManifestNode } from "./copy.ts";
import { readAll } from "./content.ts";
import { isDigest } from "./digest.ts";
import { OciError } from "./errors.ts";
import { locateWasm, type Artifact, type DetectedFormat, type FormatName, type WasmLocation } from "./formats.ts";
import { LIMITS } from "./limits.ts";
import { selectIndexChild, type Descriptor, type ImageIndex, type ImageManifest } from "./manifest.ts";
import { ModuleSink, type ModuleSinkOptions } from "./module-sink.ts";
import { MemoryOutput, type ModuleOutput } from "./output.ts";
import type { SourceStore, TargetStore, TransferProgress } from "./store.ts";
import { targetVerdicts, type DeployTarget, type TargetVerdict } from "./targets.ts";
import { DigestMismatchError } from "./errors.ts";

export interface LayerSummary {
  mediaType: string;
  digest: string;
  size: number;
}

export interface OperationOptions {
  progress?: TransferProgress;
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

export async function pushArtifact(destination: TargetStore, target: string, artifact: Artifact, options: OperationOptions = {}): Promise<PushResult> {
  if (isDigest(target) && target !== artifact.manifestDescriptor.digest) {
    throw new OciError(`${destination.location} names digest ${target}, but this artifact's manifest is ${artifact.manifestDescriptor.digest}`, "invalid-input");
  }
  const result = await copy(new ArtifactSource(artifact), destination, target, options.progress ? { progress: options.progress } : {});
  return {
    digest: result.digest,
    mediaType: artifact.manifestDescriptor.mediaType,
    format: artifact.format,
    layers: artifact.manifest.layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })),
    uploaded: result.uploaded,
    skipped: result.skipped,
  };
}

/** What a target names: the root (an index, if it is one) and the image manifest chosen from it. */
export interface ResolvedManifest {
  /** Digest, media type and exact bytes of what the target names (an index, if it names one). */
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

function resolvedFrom(root: ManifestNode, image: ManifestNode, child?: Descriptor): ResolvedManifest {
  if (image.parsed.kind !== "manifest") throw new OciError(`nested index ${image.descriptor.digest} is not supported`, "invalid-content");
  const resolved: ResolvedManifest = {
    digest: root.descriptor.digest,
    mediaType: root.descriptor.mediaType,
    bytes: root.bytes,
    manifest: image.parsed.manifest,
    manifestDigest: image.descriptor.digest,
    manifestMediaType: image.descriptor.mediaType,
  };
  if (root.parsed.kind === "index") resolved.index = root.parsed.index;
  if (child) resolved.indexChild = child;
  return resolved;
}

/** Fetches the manifest a tag or digest names; an index is resolved to one child by `selectIndexChild`. */
export async function resolveManifest(store: SourceStore, target: string): Promise<ResolvedManifest> {
  const root = manifestNode(await store.fetchManifest(target));
  if (root.parsed.kind === "manifest") return resolvedFrom(root, root);
  const child = selectIndexChild(root.parsed.index);
  const fetched = await store.fetchManifest(child.digest);
  if (fetched.bytes.byteLength !== child.size) {
    throw new DigestMismatchError(`size mismatch for manifest ${child.digest}: the index says ${child.size} bytes, got ${fetched.bytes.byteLength}`);
  }
  return resolvedFrom(root, manifestNode(fetched), child);
}

/** What `inspect` shows. */
export interface InspectResult extends ResolvedManifest {
  config: { descriptor: Descriptor; bytes: Uint8Array; json?: unknown };
  format: DetectedFormat | "unknown";
  wasmLayer?: Descriptor;
  istio: { ok: boolean; reason: string };
  /** Which deployment targets load it (targets.ts); `istio` above is `targets.istio`. */
  targets: Record<DeployTarget, TargetVerdict>;
}

function describeArtifact(resolved: ResolvedManifest, configBytes: Uint8Array, located?: WasmLocation): InspectResult {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(configBytes));
  } catch {
    json = undefined;
  }
  const targets = targetVerdicts(resolved.manifest, resolved.manifestMediaType);
  const result: InspectResult = {
    ...resolved,
    config: { descriptor: resolved.manifest.config, bytes: configBytes, ...(json !== undefined ? { json } : {}) },
    format: located?.format ?? "unknown",
    istio: targets.istio,
    targets,
  };
  if (located) result.wasmLayer = located.layer;
  return result;
}

export async function inspectArtifact(store: SourceStore, target: string): Promise<InspectResult> {
  const resolved = await resolveManifest(store, target);
  const config = await readAll(store.fetch(resolved.manifest.config), LIMITS.configBytes, `config ${resolved.manifest.config.digest}`);
  let located: WasmLocation | undefined;
  try {
    located = locateWasm(resolved.manifest);
  } catch {
    // inspect describes anything; only pull insists on a module
  }
  return describeArtifact(resolved, config, located);
}

export interface PullResult extends InspectResult {
  format: DetectedFormat;
  wasmLayer: Descriptor;
  /** Size and digest of the module written. */
  module: { size: number; digest: string };
}

/**
 * Copies the module `target` names into `output` (committed only once everything is verified): the
 * config and the module's layer of the manifest (of the index child `selectIndexChild` picks).
 */
export async function pullModule(
  source: SourceStore,
  target: string,
  output: ModuleOutput,
  options: OperationOptions & ModuleSinkOptions = {},
): Promise<PullResult> {
  const sink = new ModuleSink(output, options);
  let image: ManifestNode | undefined;
  let child: Descriptor | undefined;
  let located: WasmLocation | undefined;
  try {
    const result = await copy(source, sink, target, {
      ...(options.progress ? { progress: options.progress } : {}),
      successors: (node) => {
        if (node.parsed.kind === "index") {
          if (child) throw new OciError(`nested index ${node.descriptor.digest} is not supported`, "invalid-content");
          child = selectIndexChild(node.parsed.index);
          return [child];
        }
        image = node;
        located = locateWasm(node.parsed.manifest);
        sink.expect(located);
        const config = node.parsed.manifest.config;
        return config.digest === located.layer.digest ? [located.layer] : [config, located.layer];
      },
    });
    if (!image || !located || !sink.module) throw new OciError("the artifact holds no module", "invalid-content");
    await output.commit();
    const described = describeArtifact(resolvedFrom(result.root, image, child), sink.config ?? new Uint8Array(0), located);
    return { ...described, format: located.format, wasmLayer: located.layer, module: sink.module };
  } catch (error) {
    await output.abort();
    throw error;
  }
}

export interface FetchedArtifact extends PullResult {
  /** The module, verified against the layer digest (extracted from tar+gzip for the compat format). */
  wasm: Uint8Array;
}

/** Everything `inspect` shows plus the verified module bytes; refuses an artifact without a module. */
export async function fetchArtifactFrom(store: SourceStore, target: string, options: OperationOptions = {}): Promise<FetchedArtifact> {
  const output = new MemoryOutput();
  const pulled = await pullModule(store, target, output, options);
  return { ...pulled, wasm: output.bytes! };
}
