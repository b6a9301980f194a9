/**
 * The target resolver: a reference and the client options become the store that holds it and the tag
 * or digest inside that store. This is the only place that chooses between a registry and an OCI
 * layout directory; push, pull, inspect and the manifests command all start here.
 */
import { openStore, type ClientOptions } from "./client.ts";
import { OciLayoutStore } from "./layout-store.ts";
import { formatReference, layoutTarget, manifestTarget, parseReference, type Reference } from "./reference.ts";
import type { Store } from "./store.ts";

export interface ResolvedTarget {
  store: Store;
  /** The tag or digest inside the store. */
  target: string;
  /** For messages: `host/repository:tag[@digest]`, or `oci-layout:DIR:tag` for a layout. */
  location: string;
  /** The parsed registry reference; absent for an OCI layout. */
  reference?: Reference;
}

export type Access = "pull" | "push";

/**
 * Where `reference` lives. With `options.ociLayout` the reference is a tag or digest of that layout
 * (a full reference contributes its tag or digest); otherwise it is `host[:port]/repository[:tag|@digest]`
 * and the store is that registry repository. Nothing is sent over the network here.
 */
export function resolve(reference: Reference | string, options: ClientOptions = {}, access: Access = "pull"): ResolvedTarget {
  if (options.ociLayout !== undefined) {
    const target = typeof reference === "string" ? layoutTarget(reference) : manifestTarget(reference);
    return { store: new OciLayoutStore(options.ociLayout), target, location: `oci-layout:${options.ociLayout}:${target}` };
  }
  const parsed = typeof reference === "string" ? parseReference(reference) : reference;
  return {
    store: openStore(parsed, options, access === "push" ? "pull,push" : "pull"),
    target: manifestTarget(parsed),
    location: formatReference(parsed),
    reference: parsed,
  };
}
