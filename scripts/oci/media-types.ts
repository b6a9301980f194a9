/**
 * Media types of the Wasm-in-OCI formats (docs/oci.md §1) and of the manifests that carry them.
 * Formats are data: see formats.ts for how these combine into the four push shapes.
 */
export const MediaType = {
  // Manifests and indexes.
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  // Solo.io / wasme "oci variant".
  wasmeConfig: "application/vnd.module.wasm.config.v1+json",
  wasmeLayer: "application/vnd.module.wasm.content.layer.v1+wasm",
  // CNCF TAG-Runtime layout.
  cncfConfig: "application/vnd.wasm.config.v0+json",
  cncfLayer: "application/wasm",
  // Older layer type seen in the wild (oci-distribution crate, Krustlet).
  legacyWasmLayer: "application/vnd.wasm.content.layer.v1+wasm",
  // Ordinary images (compat variant).
  ociImageConfig: "application/vnd.oci.image.config.v1+json",
  dockerImageConfig: "application/vnd.docker.container.image.v1+json",
  ociLayerTarGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  dockerLayerTarGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  ociEmpty: "application/vnd.oci.empty.v1+json",
} as const;

/** Every manifest type a pull accepts; distribution 2.8 hides OCI manifests unless asked for them. */
export const MANIFEST_MEDIA_TYPES: readonly string[] = [
  MediaType.ociManifest,
  MediaType.ociIndex,
  MediaType.dockerManifest,
  MediaType.dockerManifestList,
];

export const INDEX_MEDIA_TYPES: readonly string[] = [MediaType.ociIndex, MediaType.dockerManifestList];

/** Layers that hold a raw (uncompressed) .wasm module. */
export const WASM_LAYER_MEDIA_TYPES: readonly string[] = [
  MediaType.wasmeLayer,
  MediaType.cncfLayer,
  MediaType.legacyWasmLayer,
];

/** Layers that Istio's compat variant reads as tar+gzip holding `plugin.wasm`. */
export const TAR_GZIP_LAYER_MEDIA_TYPES: readonly string[] = [MediaType.ociLayerTarGzip, MediaType.dockerLayerTarGzip];

export const Annotation = {
  title: "org.opencontainers.image.title",
  refName: "org.opencontainers.image.ref.name",
  wasmeAbiVersion: "module.wasm.runtime/abi_version",
  wasmeType: "module.wasm.runtime/type",
  compatVariant: "module.wasm.image/variant",
} as const;
