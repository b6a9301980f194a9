/**
 * The real `DigestResolver`: asks the registry (through the OCI client in scripts/oci/, with its
 * credentials chain and plain-HTTP default for loopback registries) which manifest a reference names.
 *
 * Istio compares `WasmPlugin.spec.sha256` with the digest of the *image* it loads (go-containerregistry's
 * `desc.Image()`): for a plain manifest that is the manifest digest (= `skopeo inspect --raw | sha256sum`);
 * for an image index it is the digest of the index's linux/amd64 manifest, so that is what we return then.
 */
import { ManifestError } from "./errors.ts";
import { manifestTarget, openStore, parseReference, resolveManifest, type ClientOptions } from "../oci/index.ts";
import type { DigestResolver } from "./source.ts";

export const registryDigestResolver: DigestResolver = async (reference, options) => {
  const ref = parseReference(reference);
  const clientOptions: ClientOptions = {};
  if (options.plainHttp !== undefined) clientOptions.plainHttp = options.plainHttp;
  if (options.credentials !== undefined) clientOptions.credentials = options.credentials;
  const resolved = await resolveManifest(openStore(ref, clientOptions), manifestTarget(ref));
  if (resolved.index === undefined) return resolved.digest;
  const image = resolved.index.manifests.find(
    (m) => m.platform?.os === "linux" && m.platform.architecture === "amd64",
  );
  if (!image) {
    throw new ManifestError(() => `${reference} is an image index without a linux/amd64 manifest, which Istio cannot load`);
  }
  return image.digest;
};
