/** A built artifact (formats.ts) seen as a read-only store: the source of a push. */
import type { ByteStream } from "./content.ts";
import { OciError } from "./errors.ts";
import type { Artifact } from "./formats.ts";
import type { Descriptor } from "./manifest.ts";
import type { FetchedManifest, SourceStore } from "./store.ts";

export class ArtifactSource implements SourceStore {
  readonly location = "the built artifact";

  constructor(private readonly artifact: Artifact) {}

  /** Any tag names the one manifest; a digest must be its digest. */
  async fetchManifest(target: string): Promise<FetchedManifest> {
    const { manifestDescriptor: descriptor, manifestBytes: bytes } = this.artifact;
    if (target.includes(":") && target !== descriptor.digest) {
      throw new OciError(`the manifest's digest is ${descriptor.digest}, not ${target}`, "invalid-input");
    }
    return { descriptor, bytes };
  }

  fetch(descriptor: Descriptor): ByteStream {
    const content = this.artifact.blobs.get(descriptor.digest);
    if (!content) throw new OciError(`blob ${descriptor.digest} is not part of the artifact`, "not-found");
    return content.open();
  }
}
