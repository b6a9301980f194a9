/**
 * A pushed image, as the manifests library needs it: fetched once through the OCI client (scripts/oci/),
 * with the verdict of every deployment target, the root ids its runtime config records, the verified
 * module (to run its configuration in the emulator), and whether the registry wanted credentials.
 *
 * Istio compares `WasmPlugin.spec.sha256` with the digest of the *image* it loads (go-containerregistry's
 * `desc.Image()`): for a plain manifest that is the manifest digest (= `skopeo inspect --raw | sha256sum`);
 * for an image index it is the digest of the index's linux/amd64 manifest.
 */
import { fetchArtifact, isIstioPlatform, type ClientOptions, type DeployTarget, type TargetVerdict } from "../oci/index.ts";
import type { RegistryAccess } from "./options.ts";

export interface ImageArtifact {
  /** The digest of the manifest a target loads (the index child's, for an index). */
  digest: string;
  /** For an index: whether its chosen child is linux/amd64, the one Istio loads. */
  istioPlatform: boolean;
  /** Detected format (wasme, compat, cncf, oras, ...). */
  format: string;
  targets: Record<DeployTarget, TargetVerdict>;
  /** Root ids the runtime config records (`config.rootIds`); empty when it records none. */
  rootIds: string[];
  /** The module, verified against its layer digest. */
  wasm: Uint8Array;
  /** Whether the registry asked for credentials and was given some (then the cluster needs them too). */
  usedCredentials: boolean;
}

/** `config.rootIds` of wasme's runtime config (protobuf-JSON; `root_ids` as the spec's prose spells it). */
export function recordedRootIds(config: unknown): string[] {
  const envoy = (config as { config?: { rootIds?: unknown; root_ids?: unknown } } | null)?.config;
  const ids = envoy?.rootIds ?? envoy?.root_ids;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string" && id !== "") : [];
}

/** Fetches `reference` (no scheme) with `access`; `onSecret` sees every secret the client learns. */
export async function fetchImageArtifact(
  reference: string,
  access: RegistryAccess,
  onSecret?: (secret: string) => void,
): Promise<ImageArtifact> {
  let usedCredentials = access.credentials !== undefined;
  const options: ClientOptions = {
    // Docker's config.json is read only when the registry challenges us; a secret it yields was needed.
    onSecret: (secret) => {
      usedCredentials = true;
      onSecret?.(secret);
    },
  };
  if (access.plainHttp !== undefined) options.plainHttp = access.plainHttp;
  if (access.credentials !== undefined) options.credentials = access.credentials;
  const artifact = await fetchArtifact(reference, options);
  const child = artifact.index?.manifests.find((m) => m.digest === artifact.manifestDigest);
  return {
    digest: artifact.manifestDigest,
    istioPlatform: child === undefined || isIstioPlatform(child),
    format: artifact.format,
    targets: artifact.targets,
    rootIds: recordedRootIds(artifact.config.json),
    wasm: artifact.wasm,
    usedCredentials,
  };
}
