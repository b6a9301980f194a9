/**
 * A content store holding blobs and tagged manifests. Two implementations: a repository in a remote
 * registry (registry-store.ts) and an OCI image layout directory (layout-store.ts). Push, pull and
 * inspect (operations.ts) only talk to this interface.
 */
import type { Descriptor } from "./manifest.ts";

export interface FetchedManifest {
  /** mediaType (from the store), digest (computed from the bytes) and size. */
  descriptor: Descriptor;
  bytes: Uint8Array;
}

export interface TransferProgress {
  /** Called with bytes done so far for one blob; `total` is the blob size. */
  (digest: string, done: number, total: number): void;
}

export interface Store {
  /** Where this store is, for messages: `127.0.0.1:5000/wasm/filter` or `oci-layout:build/oci`. */
  readonly location: string;
  blobExists(descriptor: Descriptor): Promise<boolean>;
  /** Stores a blob unless present; resolves to whether bytes were sent. */
  pushBlob(descriptor: Descriptor, bytes: Uint8Array, progress?: TransferProgress): Promise<"uploaded" | "exists">;
  /** Fetches a blob and verifies its size and digest. */
  fetchBlob(descriptor: Descriptor, progress?: TransferProgress): Promise<Uint8Array>;
  /** Stores a manifest under a tag or its digest; resolves to the digest the store reports. */
  pushManifest(target: string, mediaType: string, bytes: Uint8Array): Promise<string>;
  /** Fetches a manifest by tag or digest; the digest is verified when the store or reference names one. */
  fetchManifest(target: string): Promise<FetchedManifest>;
}
