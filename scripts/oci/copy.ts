/**
 * The one transfer algorithm (oras-go's `Copy`): resolve the target in the source, walk its manifest
 * graph depth first, give the destination every blob it lacks (streamed from the source, verified on
 * the way), then each manifest after its children, the root last under the target's name. A tag thus
 * never points at something incomplete. Push is a copy from the built artifact to a registry or
 * layout, pull a copy from a registry or layout into the module file; `successors` narrows what is
 * copied (pull takes the config and the module's layer of one index child).
 */
import { counted, type ByteStream } from "./content.ts";
import { DigestMismatchError } from "./errors.ts";
import { isManifestMediaType, parseManifest, type Descriptor, type ParsedManifest } from "./manifest.ts";
import type { FetchedManifest, SourceStore, TargetStore, TransferProgress } from "./store.ts";

export interface ManifestNode {
  descriptor: Descriptor;
  bytes: Uint8Array;
  parsed: ParsedManifest;
}

export interface CopyOptions {
  /** The children of a manifest or index to copy (default `allSuccessors`). */
  successors?: (node: ManifestNode) => Descriptor[] | Promise<Descriptor[]>;
  /** Called as blob bytes move. */
  progress?: TransferProgress;
}

export interface CopyResult {
  /** The manifest (or index) the target names. */
  root: ManifestNode;
  /** Digest the destination reports for the root. */
  digest: string;
  /** Digests of blobs whose bytes were sent, and of those the destination already had. */
  uploaded: string[];
  skipped: string[];
}

/** Every layer and the config of a manifest (layers first), every child of an index. */
export function allSuccessors(node: ManifestNode): Descriptor[] {
  if (node.parsed.kind === "index") return node.parsed.index.manifests;
  const unique = new Map<string, Descriptor>();
  for (const descriptor of [...node.parsed.manifest.layers, node.parsed.manifest.config]) {
    if (!unique.has(descriptor.digest)) unique.set(descriptor.digest, descriptor);
  }
  return [...unique.values()];
}

export function manifestNode(fetched: FetchedManifest): ManifestNode {
  return { descriptor: fetched.descriptor, bytes: fetched.bytes, parsed: parseManifest(fetched.bytes, fetched.descriptor.mediaType) };
}

export async function copy(source: SourceStore, destination: TargetStore, target: string, options: CopyOptions = {}): Promise<CopyResult> {
  const successors = options.successors ?? allSuccessors;
  const uploaded: string[] = [];
  const skipped: string[] = [];

  const copyBlob = async (descriptor: Descriptor): Promise<void> => {
    const open = (): ByteStream => {
      const stream = source.fetch(descriptor);
      const progress = options.progress;
      return progress ? counted(stream, (done) => progress(descriptor.digest, done, descriptor.size)) : stream;
    };
    const outcome = await destination.push(descriptor, open);
    (outcome === "uploaded" ? uploaded : skipped).push(descriptor.digest);
  };

  const copyChildren = async (node: ManifestNode): Promise<void> => {
    for (const child of await successors(node)) {
      if (!isManifestMediaType(child.mediaType)) {
        await copyBlob(child);
        continue;
      }
      const fetched = await source.fetchManifest(child.digest);
      if (fetched.bytes.byteLength !== child.size) {
        throw new DigestMismatchError(`size mismatch for manifest ${child.digest}: the index says ${child.size} bytes, got ${fetched.bytes.byteLength}`);
      }
      const childNode = manifestNode(fetched);
      await copyChildren(childNode);
      await destination.pushManifest(child.digest, fetched.descriptor.mediaType, fetched.bytes);
    }
  };

  const root = manifestNode(await source.fetchManifest(target));
  await copyChildren(root);
  const digest = await destination.pushManifest(target, root.descriptor.mediaType, root.bytes);
  return { root, digest, uploaded, skipped };
}
