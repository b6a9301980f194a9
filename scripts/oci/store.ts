/**
 * Content stores, as oras-go has them: a source of manifests and blobs, a target that takes them, and
 * stores that are both. Implementations: a registry repository (registry-store.ts), an OCI image
 * layout directory (layout-store.ts), a built artifact to push (artifact-source.ts) and the module
 * file a pull writes (module-sink.ts). copy.ts moves a manifest graph from any source to any target.
 */
import type { ByteStream } from "./content.ts";
import type { Descriptor } from "./manifest.ts";

export interface FetchedManifest {
  /** mediaType (checked to be a manifest or index type), digest (of the bytes) and size. */
  descriptor: Descriptor;
  bytes: Uint8Array;
}

export interface TransferProgress {
  /** Called with bytes done so far for one blob; `total` is the blob size. */
  (digest: string, done: number, total: number): void;
}

export interface SourceStore {
  /** Where this store is, for messages: `127.0.0.1:5000/wasm/filter` or `oci-layout:build/oci`. */
  readonly location: string;
  /**
   * A manifest by tag or digest: at most LIMITS.manifestBytes, of a manifest or index media type, and
   * verified against its digest whenever one is known (the target, or what the store reports).
   */
  fetchManifest(target: string): Promise<FetchedManifest>;
  /**
   * A blob's bytes as a stream that never yields more than `descriptor.size` bytes and fails at its
   * end unless size and digest match. Nothing is requested until the stream is read.
   */
  fetch(descriptor: Descriptor): ByteStream;
}

export interface TargetStore {
  readonly location: string;
  /** Stores a blob unless present; `open` may be called again to repeat an upload. */
  push(descriptor: Descriptor, open: () => ByteStream): Promise<"uploaded" | "exists">;
  /** Stores a manifest under a tag or its digest; resolves to its digest. */
  pushManifest(target: string, mediaType: string, bytes: Uint8Array): Promise<string>;
}

export interface Store extends SourceStore, TargetStore {
  exists(descriptor: Descriptor): Promise<boolean>;
}
