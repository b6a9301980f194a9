/**
 * The four push shapes, as data. Each format lists its config and layers as (content, mediaType, title);
 * one generic builder turns a spec into blobs and a manifest, and detection on pull reads the same table
 * (plus Istio's fallback rules for manifests other tools wrote). See docs/oci.md §1.
 */
import { sha256Digest } from "./digest.ts";
import { OciError } from "./errors.ts";
import { descriptorFor, encodeJson, type Descriptor, type ImageManifest } from "./manifest.ts";
import {
  Annotation,
  MediaType,
  TAR_GZIP_LAYER_MEDIA_TYPES,
  WASM_LAYER_MEDIA_TYPES,
} from "./media-types.ts";
import { createTar, gzip } from "./tar.ts";

export type FormatName = "wasme" | "compat" | "cncf" | "oras";
export const FORMAT_NAMES: readonly FormatName[] = ["wasme", "compat", "cncf", "oras"];

/** Where a blob's bytes come from (producers below). */
type Content = "runtime-config" | "wasm" | "plugin-tar-gzip" | "image-config" | "cncf-config";

interface BlobSpec {
  content: Content;
  mediaType: string;
  /** `org.opencontainers.image.title`; `{fileName}` is the pushed file's base name. */
  title?: string;
}

interface FormatSpec {
  summary: string;
  config: BlobSpec;
  layers: BlobSpec[];
  /** Index in `layers` of the one holding the module, and how it is packed. */
  wasmLayer: number;
  packaging: "raw" | "tar+gzip";
  /** Manifest annotations; `{abiVersions}` is the comma-joined ABI list. User annotations come after. */
  annotations: Record<string, string>;
}

const RUNTIME_CONFIG_TITLE = "runtime-config.json";

export const FORMATS: Readonly<Record<FormatName, FormatSpec>> = {
  wasme: {
    summary: "wasme/Solo oci variant: runtime config as config and first layer, raw wasm second (Istio, Envoy Gateway, wasme)",
    config: { content: "runtime-config", mediaType: MediaType.wasmeConfig, title: RUNTIME_CONFIG_TITLE },
    layers: [
      { content: "runtime-config", mediaType: MediaType.wasmeConfig, title: RUNTIME_CONFIG_TITLE },
      { content: "wasm", mediaType: MediaType.wasmeLayer, title: "filter.wasm" },
    ],
    wasmLayer: 1,
    packaging: "raw",
    annotations: { [Annotation.wasmeAbiVersion]: "{abiVersions}", [Annotation.wasmeType]: "envoy_proxy" },
  },
  compat: {
    summary: "compat variant: an ordinary image whose last layer is tar+gzip holding plugin.wasm (Istio, Envoy Gateway, docker tooling)",
    config: { content: "image-config", mediaType: MediaType.ociImageConfig },
    layers: [{ content: "plugin-tar-gzip", mediaType: MediaType.ociLayerTarGzip }],
    wasmLayer: 0,
    packaging: "tar+gzip",
    annotations: { [Annotation.compatVariant]: "compat" },
  },
  cncf: {
    summary: "CNCF TAG-Runtime layout: application/vnd.wasm.config.v0+json + application/wasm (wkg, Spin, runwasi; not Istio)",
    config: { content: "cncf-config", mediaType: MediaType.cncfConfig },
    layers: [{ content: "wasm", mediaType: MediaType.cncfLayer }],
    wasmLayer: 0,
    packaging: "raw",
    annotations: {},
  },
  oras: {
    summary: "the seed's `oras push --manifest-config` shape: runtime config + one wasm layer (not Istio: it wants 2 layers)",
    config: { content: "runtime-config", mediaType: MediaType.wasmeConfig },
    layers: [{ content: "wasm", mediaType: MediaType.wasmeLayer, title: "{fileName}" }],
    wasmLayer: 0,
    packaging: "raw",
    annotations: {},
  },
};

export function isFormatName(value: string): value is FormatName {
  return (FORMAT_NAMES as readonly string[]).includes(value);
}

export interface ArtifactInput {
  wasm: Uint8Array;
  /** Base name of the module file (the oras format's layer title). */
  fileName: string;
  rootId: string;
  abiVersions: readonly string[];
  annotations?: Readonly<Record<string, string>>;
  /** RFC 3339 time for the CNCF config's `created` (default: SOURCE_DATE_EPOCH or the epoch). */
  created?: string;
}

export interface Artifact {
  format: FormatName;
  manifest: ImageManifest;
  manifestBytes: Uint8Array;
  manifestDescriptor: Descriptor;
  /** Every distinct blob (config and layers), keyed by digest, in upload order. */
  blobs: Map<string, Uint8Array>;
}

/** `created` for reproducible digests: SOURCE_DATE_EPOCH if set, else 1970-01-01T00:00:00Z. */
export function defaultCreated(env: NodeJS.ProcessEnv = process.env): string {
  const epoch = Number(env.SOURCE_DATE_EPOCH);
  return new Date(Number.isFinite(epoch) && epoch >= 0 ? epoch * 1000 : 0).toISOString().replace(".000Z", "Z");
}

/** wasme's runtime-config.json (protobuf-JSON, camelCase). */
export function runtimeConfig(input: Pick<ArtifactInput, "abiVersions" | "rootId">): Record<string, unknown> {
  return { type: "envoy_proxy", abiVersions: [...input.abiVersions], config: { rootIds: [input.rootId] } };
}

/** Builds the blobs and manifest of `format` for a module. Pure: equal inputs give equal digests. */
export function buildArtifact(format: FormatName, input: ArtifactInput): Artifact {
  const spec = FORMATS[format];
  const produced = new Map<Content, Uint8Array>();
  const produce = (content: Content): Uint8Array => {
    let bytes = produced.get(content);
    if (bytes) return bytes;
    switch (content) {
      case "wasm":
        bytes = input.wasm;
        break;
      case "runtime-config":
        bytes = encodeJson(runtimeConfig(input));
        break;
      case "plugin-tar-gzip":
        bytes = gzip(pluginTar(input));
        break;
      case "image-config":
        bytes = encodeJson({
          architecture: "amd64",
          os: "linux",
          config: {},
          rootfs: { type: "layers", diff_ids: [sha256Digest(pluginTar(input))] },
        });
        break;
      case "cncf-config":
        bytes = encodeJson({
          created: input.created ?? defaultCreated(),
          architecture: "wasm",
          os: "wasip1",
          layerDigests: [sha256Digest(input.wasm)],
        });
        break;
    }
    produced.set(content, bytes);
    return bytes;
  };
  const blobs = new Map<string, Uint8Array>();
  const describe = (blob: BlobSpec): Descriptor => {
    const bytes = produce(blob.content);
    const title = blob.title?.replace("{fileName}", input.fileName);
    const descriptor = descriptorFor(blob.mediaType, bytes, title ? { [Annotation.title]: title } : undefined);
    blobs.set(descriptor.digest, bytes);
    return descriptor;
  };
  const layers = spec.layers.map(describe);
  const config = describe(spec.config);
  // Upload order: layers first, then the config (what oras and skopeo do); duplicates once.
  const ordered = new Map<string, Uint8Array>();
  for (const descriptor of [...layers, config]) ordered.set(descriptor.digest, blobs.get(descriptor.digest)!);

  const annotations: Record<string, string> = {};
  for (const [key, value] of Object.entries(spec.annotations)) {
    annotations[key] = value.replace("{abiVersions}", input.abiVersions.join(","));
  }
  Object.assign(annotations, input.annotations ?? {});
  const manifest: ImageManifest = { schemaVersion: 2, mediaType: MediaType.ociManifest, config, layers };
  if (Object.keys(annotations).length > 0) manifest.annotations = annotations;
  const manifestBytes = encodeJson(manifest);
  return {
    format,
    manifest,
    manifestBytes,
    manifestDescriptor: descriptorFor(MediaType.ociManifest, manifestBytes),
    blobs: ordered,
  };
}

function pluginTar(input: ArtifactInput): Uint8Array {
  return createTar([
    { name: "plugin.wasm", data: input.wasm },
    { name: RUNTIME_CONFIG_TITLE, data: encodeJson(runtimeConfig(input)) },
  ]);
}

// ------------------------------------------------------------------------------------------------
// Reading: which format is this manifest, and where is the module?

export type DetectedFormat = FormatName | "legacy" | "oci-artifact";

export interface WasmLocation {
  format: DetectedFormat;
  layer: Descriptor;
  packaging: "raw" | "tar+gzip";
}

function matchesSpec(manifest: ImageManifest, spec: FormatSpec): boolean {
  return (
    manifest.config.mediaType === spec.config.mediaType &&
    manifest.layers.length === spec.layers.length &&
    manifest.layers.every((layer, i) => layer.mediaType === spec.layers[i]!.mediaType)
  );
}

/**
 * Finds the module in a manifest: an exact match of one of our formats first, then the rules of
 * Istio's fetcher (last layer tar+gzip → compat; otherwise the layer with a wasm media type), then a
 * layer titled `*.wasm` (e.g. `oras push ref filter.wasm` without a media type).
 */
export function locateWasm(manifest: ImageManifest): WasmLocation {
  for (const name of FORMAT_NAMES) {
    const spec = FORMATS[name];
    if (matchesSpec(manifest, spec)) {
      return { format: name, layer: manifest.layers[spec.wasmLayer]!, packaging: spec.packaging };
    }
  }
  const last = manifest.layers[manifest.layers.length - 1];
  if (last && TAR_GZIP_LAYER_MEDIA_TYPES.includes(last.mediaType)) {
    return { format: "compat", layer: last, packaging: "tar+gzip" };
  }
  const wasmLayers = manifest.layers.filter((layer) => WASM_LAYER_MEDIA_TYPES.includes(layer.mediaType));
  if (wasmLayers.length > 1) {
    throw new OciError(`ambiguous artifact: ${wasmLayers.length} wasm layers (${wasmLayers.map((l) => l.digest).join(", ")})`);
  }
  const wasmLayer = wasmLayers[0];
  if (wasmLayer) {
    let format: DetectedFormat = "oci-artifact";
    if (wasmLayer.mediaType === MediaType.legacyWasmLayer) format = "legacy";
    else if (wasmLayer.mediaType === MediaType.cncfLayer) format = "cncf";
    else if (manifest.layers.length === 2) format = "wasme";
    else if (manifest.layers.length === 1) format = "oras";
    return { format, layer: wasmLayer, packaging: "raw" };
  }
  const titled = manifest.layers.filter((layer) => layer.annotations?.[Annotation.title]?.endsWith(".wasm"));
  if (titled.length === 1) return { format: "oci-artifact", layer: titled[0]!, packaging: "raw" };
  const types = manifest.layers.map((layer) => layer.mediaType).join(", ") || "none";
  throw new OciError(`no wasm module in this artifact (config ${manifest.config.mediaType}; layers: ${types})`);
}

/** Whether Istio's image fetcher (pkg/wasm/imagefetcher.go) would accept this manifest, and why not. */
export function istioVerdict(manifest: ImageManifest, manifestMediaType: string): { ok: boolean; reason: string } {
  const last = manifest.layers[manifest.layers.length - 1];
  if (manifestMediaType === MediaType.dockerManifest) {
    return last?.mediaType === MediaType.dockerLayerTarGzip
      ? { ok: true, reason: "docker compat: last layer is tar+gzip (must hold plugin.wasm)" }
      : { ok: false, reason: "docker manifest whose last layer is not rootfs.diff.tar.gzip" };
  }
  if (last?.mediaType === MediaType.ociLayerTarGzip) {
    return { ok: true, reason: "compat: last layer is tar+gzip (must hold plugin.wasm)" };
  }
  if (manifest.layers.length !== 2) {
    return { ok: false, reason: `number of layers must be 2 but got ${manifest.layers.length}` };
  }
  return manifest.layers.some((layer) => layer.mediaType === MediaType.wasmeLayer)
    ? { ok: true, reason: `oci variant: 2 layers, wasm layer ${MediaType.wasmeLayer}` }
    : { ok: false, reason: `no layer of type ${MediaType.wasmeLayer}` };
}
