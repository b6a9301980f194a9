/**
 * The OCI registry client's library API; the push/pull/inspect commands are thin shells around it.
 *
 *   const { store, target, location } = resolve("127.0.0.1:5000/wasm/add-header:v1");   // no network
 *   const digest = await resolveDigest("127.0.0.1:5000/wasm/add-header:v1");             // "sha256:…"
 *   // Istio: WasmPlugin.spec.url = "oci://127.0.0.1:5000/wasm/add-header:v1", spec.sha256 = digestHex(digest)
 *   const artifact = await fetchArtifact("127.0.0.1:5000/wasm/add-header:v1");
 *   // artifact.wasm (verified bytes), .format, .manifest, .manifestDigest, .config.json, .istio, .index
 *
 * Errors are OciErrors with a `kind` (errors.ts); their messages are one line and hold no secret.
 */
import type { ClientOptions } from "./client.ts";
import { buildArtifact, type ArtifactInput, type FormatName } from "./formats.ts";
import type { ModuleSinkOptions } from "./module-sink.ts";
import {
  fetchArtifactFrom,
  inspectArtifact,
  pullModule,
  pushArtifact,
  type FetchedArtifact,
  type InspectResult,
  type OperationOptions,
  type PullResult,
  type PushResult,
} from "./operations.ts";
import { OutputFile } from "./output.ts";
import type { Reference } from "./reference.ts";
import { resolve } from "./resolve.ts";

export { openStore, createTransport, USER_AGENT, type ClientOptions } from "./client.ts";
export { resolve, type ResolvedTarget, type Access } from "./resolve.ts";
export { targetVerdicts, TARGETS, DEPLOY_TARGETS, type DeployTarget, type TargetVerdict, type TargetSpec } from "./targets.ts";
export { copy, allSuccessors, type CopyOptions, type CopyResult, type ManifestNode } from "./copy.ts";
export { parseReference, formatReference, manifestTarget, layoutTarget, isLoopbackRegistry, REFERENCE_SYNTAX, type Reference } from "./reference.ts";
export { buildArtifact, locateWasm, istioVerdict, runtimeConfig, defaultCreated, FORMATS, FORMAT_NAMES, isFormatName } from "./formats.ts";
export type { Artifact, ArtifactInput, FormatName, DetectedFormat, WasmLocation } from "./formats.ts";
export { pushArtifact, pullModule, inspectArtifact, resolveManifest, fetchArtifactFrom } from "./operations.ts";
export type { PushResult, PullResult, InspectResult, ResolvedManifest, LayerSummary, OperationOptions, FetchedArtifact } from "./operations.ts";
export type { Store, SourceStore, TargetStore, FetchedManifest, TransferProgress } from "./store.ts";
export { RegistryStore } from "./registry-store.ts";
export { OciLayoutStore } from "./layout-store.ts";
export { ArtifactSource } from "./artifact-source.ts";
export { ModuleSink } from "./module-sink.ts";
export { OutputFile, MemoryOutput, type ModuleOutput } from "./output.ts";
export { bytesContent, fileContent, readAll, type Content, type ByteStream } from "./content.ts";
export { readWasmModule, readWasmModuleFile, hasWasmHeader, hasProxyAbiExport, WasmFormatError, type WasmModuleInfo } from "./wasm-module.ts";
export { sha256Digest, digestHex, isDigest } from "./digest.ts";
export { MediaType, MANIFEST_MEDIA_TYPES, WASM_LAYER_MEDIA_TYPES, Annotation } from "./media-types.ts";
export { parseManifest, selectIndexChild, isIstioPlatform, ISTIO_PLATFORM, type Descriptor, type ImageManifest, type ImageIndex, type Platform } from "./manifest.ts";
export { OciError, DigestMismatchError, UnauthorizedError, RegistryHttpError, NetworkError, type OciErrorKind } from "./errors.ts";
export { SecretSet, printable, escapeControls, scrubJson } from "./secrets.ts";
export { LIMITS, TIMEOUTS } from "./limits.ts";
export { dockerConfigCredentials, runCredentialHelper, staticCredentials, type Credential, type CredentialProvider } from "./credentials.ts";
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from "./transport/retry.ts";
export { terminalProgress } from "./progress.ts";

/**
 * The manifest digest (`sha256:…`) that a reference names, fetched and verified (for Istio's
 * `WasmPlugin.spec.sha256`, pass it through `digestHex`). With `options.ociLayout`, `reference` may be
 * a bare tag of that layout. For an index this is the index's digest.
 */
export async function resolveDigest(reference: Reference | string, options: ClientOptions = {}): Promise<string> {
  const { store, target } = resolve(reference, options);
  return (await store.fetchManifest(target)).descriptor.digest;
}

/** Builds `format` from a module and pushes it to `reference` (a copy from the built artifact). */
export async function push(
  reference: Reference | string,
  format: FormatName,
  input: ArtifactInput,
  options: ClientOptions & OperationOptions = {},
): Promise<PushResult> {
  const { store, target } = resolve(reference, options, "push");
  return pushArtifact(store, target, await buildArtifact(format, input), options);
}

/**
 * Pulls the module a reference names into a file (written atomically) or a stream (written only once
 * verified), every digest checked on the way.
 */
export async function pull(
  reference: Reference | string,
  output: string | NodeJS.WritableStream,
  options: ClientOptions & OperationOptions & ModuleSinkOptions = {},
): Promise<PullResult> {
  const { store, target } = resolve(reference, options);
  const sink = typeof output === "string" ? await OutputFile.create(output) : await OutputFile.spooled(output);
  return pullModule(store, target, sink, options);
}

/** Manifest, config, digests and detected format of what a reference names. */
export async function inspect(reference: Reference | string, options: ClientOptions = {}): Promise<InspectResult> {
  const { store, target } = resolve(reference, options);
  return inspectArtifact(store, target);
}

/**
 * The artifact a reference names, with its module: manifest (an index resolved to its child by
 * `selectIndexChild`), config, detected format, Istio's verdict and the verified module bytes.
 * `manifestDigest` is the digest Istio's `WasmPlugin.spec.sha256` must hold (the child's, for an index).
 */
export async function fetchArtifact(reference: Reference | string, options: ClientOptions & OperationOptions = {}): Promise<FetchedArtifact> {
  const { store, target } = resolve(reference, options);
  return fetchArtifactFrom(store, target, options);
}
