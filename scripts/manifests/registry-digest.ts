/**
 * The real `DigestResolver`: asks the registry (through the OCI client in scripts/oci/, with its
 * credentials chain and plain-HTTP default for loopback registries) which manifest a reference names.
 *
 * Istio compares `WasmPlugin.spec.sha256` with the digest of the *image* it loads (go-containerregistry's
 * `desc.Image()`): for a plain manifest that is the manifest digest (= `skopeo inspect --raw | sha256sum`);
 * for an image index it is the digest of the index's linux/amd64 manifest, so that is what we return then.
 */
import { ManifestError } from "./errors.ts";
import { isIstioPlatform, manifestTarget, openStore, parseReference, resolveManifest, type ClientOptions } from "../oci/index.ts";
import type { DigestResolver } from "./source.ts";

export const registryDigestResolver: DigestResolver = async (reference, options) => {
  const ref = parseReference(reference);
  const clientOptions: ClientOptions = {};
  if (options.plainHttp !== undefined) clientOptions.plainHttp = options.plainHttp;
  if (options.credentials !== undefined) clientOptions.credentials = options.credentials;
  const resolved = await resolveManifest(openStore(ref, clientOptions), manifestTarget(ref));
  if (resolved.indexChild === undefined) return resolved.digest;
  // The client's one index rule picks linux/amd64 first; anything else is not what Istio loads.
  if (!isIstioPlatform(resolved.indexChild)) {
    throw new ManifestError(() => `${reference} is an image index without a linux/amd64 manifest, which Istio cannot load`);
  }
  return resolved.indexChild.digest;
};
