/**
 * The four push shapes, as data. Each format lists its config and layers as (content, mediaType, title);
 * one generic builder turns a spec into blobs and a manifest, and detection on pull reads the same table
 * (plus Istio's fallback rules for manifests other tools wrote). See docs/oci.md §1.
 */
import { createHash } from "node:crypto";
import { pipeline, Readable } from "node:stream";
import { createGzip } from "node:zlib";
import { bytesContent, type ByteStream, type Content } from "./content.ts";
import { OciError } from "./errors.ts";
import { descriptorFor, encodeJson, type Descriptor, type ImageManifest } from "./manifest.ts";
import {
  Annotation,
  MediaType,
  TAR_GZIP_LAYER_MEDIA_TYPES,
  WASM_LAYER_MEDIA_TYPES,
} from "./media-types.ts";
import { printable } from "./secrets.ts";
import { tarStream, type TarFile } from "./tar.ts";

export type FormatName = "wasme" | "compat" | "cncf" | "oras";
export const FORMAT_NAMES: readonly FormatName[] = ["wasme", "compat", "cncf", "oras"];

/** Where a blob's bytes come from (producers below). */
type BlobSource = "runtime-config" | "wasm" | "plugin-tar-gzip" | "image-config" | "cncf-config";

interface BlobSpec {
  content: BlobSource;
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
  /** The module: bytes, or Content (e.g. `fileContent`) to stream a large module from disk. */
  wasm: Uint8Array | Content;
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
  blobs: Map<string, Content>;
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

/**
 * Builds the blobs and manifest of `format` for a module. Pure: equal inputs give equal digests. The
 * module is never copied; the compat layer is a gzip stream over it (run once here for its digest).
 */
export async function buildArtifact(format: FormatName, input: ArtifactInput): Promise<Artifact> {
  const spec = FORMATS[format];
  const wasm = input.wasm instanceof Uint8Array ? bytesContent(input.wasm) : input.wasm;
  const produced = new Map<BlobSource, Promise<Content>>();
  const produce = (content: BlobSource): Promise<Content> => {
    let made = produced.get(content);
    if (!made) {
      made = makeContent(content, input, wasm, () => produce("plugin-tar-gzip"));
      produced.set(content, made);
    }
    return made;
  };
  const blobs = new Map<string, Content>();
  const describe = async (blob: BlobSpec): Promise<Descriptor> => {
    const content = await produce(blob.content);
    const title = blob.title?.replace("{fileName}", input.fileName);
    const descriptor: Descriptor = { mediaType: blob.mediaType, digest: content.digest, size: content.size };
    if (title) descriptor.annotations = { [Annotation.title]: title };
    blobs.set(descriptor.digest, content);
    return descriptor;
  };
  const layers: Descriptor[] = [];
  for (const layer of spec.layers) layers.push(await describe(layer));
  const config = await describe(spec.config);
  // Upload order: layers first, then the config (what oras and skopeo do); duplicates once.
  const ordered = new Map<string, Content>();
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

/** The tar.gz layer's content and the sha256 of its tar (the image config's diff_id), from one pass. */
interface TarGzip extends Content {
  tarDigest: string;
}

async function makeContent(content: BlobSource, input: ArtifactInput, wasm: Content, tarGzip: () => Promise<Content>): Promise<Content> {
  switch (content) {
    case "wasm":
      return wasm;
    case "runtime-config":
      return bytesContent(encodeJson(runtimeConfig(input)));
    case "plugin-tar-gzip":
      return pluginTarGzip(input, wasm);
    case "image-config":
      return bytesContent(
        encodeJson({
          architecture: "amd64",
          os: "linux",
          config: {},
          rootfs: { type: "layers", diff_ids: [((await tarGzip()) as TarGzip).tarDigest] },
        }),
      );
    case "cncf-config":
      return bytesContent(
        encodeJson({
          created: input.created ?? defaultCreated(),
          architecture: "wasm",
          os: "wasip1",
          layerDigests: [wasm.digest],
        }),
      );
  }
}

async function pluginTarGzip(input: ArtifactInput, wasm: Content): Promise<TarGzip> {
  const config = encodeJson(runtimeConfig(input));
  const files: TarFile[] = [
    { name: "plugin.wasm", size: wasm.size, open: () => wasm.open() },
    { name: RUNTIME_CONFIG_TITLE, size: config.byteLength, open: () => bytesContent(config).open() },
  ];
  const open = (): ByteStream => gzipStream(tarStream(files));
  // One pass for the digests of both the tar and the gzip (the stream is deterministic).
  const tarHash = createHash("sha256");
  const gzipHash = createHash("sha256");
  let size = 0;
  const hashedTar = async function* (): ByteStream {
    for await (const chunk of tarStream(files)) {
      tarHash.update(chunk);
      yield chunk;
    }
  };
  for await (const chunk of gzipStream(hashedTar())) {
    gzipHash.update(chunk);
    size += chunk.byteLength;
  }
  return { size, digest: `sha256:${gzipHash.digest("hex")}`, tarDigest: `sha256:${tarHash.digest("hex")}`, open };
}

/** gzip level 9 over a stream; node:zlib writes no timestamp, and equal input gives equal output. */
function gzipStream(source: ByteStream): ByteStream {
  // pipeline forwards a failure of the source into the gzip stream (pipe would not).
  return pipeline(Readable.from(source, { objectMode: false }), createGzip({ level: 9 }), () => {});
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
    throw new OciError(`ambiguous artifact: ${wasmLayers.length} wasm layers (${wasmLayers.map((l) => l.digest).join(", ")})`, "invalid-content");
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
  throw new OciError(`no wasm module in this artifact (config ${printable(manifest.config.mediaType, undefined, 100)}; layers: ${printable(types)})`, "invalid-content");
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
