/**
 * An OCI image layout directory (image-spec image-layout.md): `oci-layout`, `index.json`,
 * `blobs/<alg>/<hex>`. Tags are `org.opencontainers.image.ref.name` annotations in index.json, as
 * skopeo's `oci:DIR:TAG` transport reads and writes them. Files are written to a temporary name and
 * renamed, so a crash never leaves a half blob under its digest.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { digestLike, isDigest, verifyContent } from "./digest.ts";
import { OciError } from "./errors.ts";
import { encodeJson, type Descriptor, type ImageIndex } from "./manifest.ts";
import { Annotation, MediaType } from "./media-types.ts";
import type { FetchedManifest, Store, TransferProgress } from "./store.ts";

export class OciLayoutStore implements Store {
  readonly location: string;

  constructor(private readonly dir: string) {
    this.location = `oci-layout:${dir}`;
  }

  private blobPath(digest: string): string {
    if (!isDigest(digest)) throw new OciError(`invalid digest ${digest}`);
    const [algorithm, hex] = digest.split(":") as [string, string];
    return join(this.dir, "blobs", algorithm, hex);
  }

  private readIndex(): ImageIndex {
    const path = join(this.dir, "index.json");
    if (!existsSync(path)) return { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
    try {
      const index = JSON.parse(readFileSync(path, "utf8")) as ImageIndex;
      if (!Array.isArray(index.manifests)) throw new Error();
      return index;
    } catch {
      throw new OciError(`${path} is not a valid OCI image index`);
    }
  }

  private ensureLayout(): void {
    mkdirSync(join(this.dir, "blobs", "sha256"), { recursive: true });
    const marker = join(this.dir, "oci-layout");
    if (!existsSync(marker)) writeAtomically(marker, encodeJson({ imageLayoutVersion: "1.0.0" }));
  }

  async blobExists(descriptor: Descriptor): Promise<boolean> {
    const path = this.blobPath(descriptor.digest);
    if (!existsSync(path)) return false;
    // A file of the wrong content is as good as absent: it gets rewritten.
    try {
      verifyContent(descriptor.digest, descriptor.digest, readFileSync(path), descriptor.size);
      return true;
    } catch {
      return false;
    }
  }

  async pushBlob(descriptor: Descriptor, bytes: Uint8Array, progress?: TransferProgress): Promise<"uploaded" | "exists"> {
    if (await this.blobExists(descriptor)) return "exists";
    verifyContent(`blob ${descriptor.digest}`, descriptor.digest, bytes, descriptor.size);
    this.ensureLayout();
    mkdirSync(join(this.blobPath(descriptor.digest), ".."), { recursive: true });
    writeAtomically(this.blobPath(descriptor.digest), bytes);
    progress?.(descriptor.digest, bytes.byteLength, bytes.byteLength);
    return "uploaded";
  }

  async fetchBlob(descriptor: Descriptor): Promise<Uint8Array> {
    const path = this.blobPath(descriptor.digest);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(path));
    } catch {
      throw new OciError(`blob ${descriptor.digest} is missing from ${this.location}`);
    }
    verifyContent(`blob ${descriptor.digest} in ${this.location}`, descriptor.digest, bytes, descriptor.size);
    return bytes;
  }

  async pushManifest(target: string, mediaType: string, bytes: Uint8Array): Promise<string> {
    const digest = digestLike("sha256:", bytes);
    if (isDigest(target) && target !== digest) throw new OciError(`manifest digest ${digest} does not match ${target}`);
    const descriptor: Descriptor = { mediaType, digest, size: bytes.byteLength };
    await this.pushBlob(descriptor, bytes);
    const index = this.readIndex();
    if (isDigest(target)) {
      if (!index.manifests.some((m) => m.digest === digest)) index.manifests.push(descriptor);
    } else {
      index.manifests = index.manifests.filter((m) => m.annotations?.[Annotation.refName] !== target);
      index.manifests.push({ ...descriptor, annotations: { [Annotation.refName]: target } });
    }
    writeAtomically(join(this.dir, "index.json"), encodeJson({ ...index, schemaVersion: 2, mediaType: MediaType.ociIndex }));
    return digest;
  }

  async fetchManifest(target: string): Promise<FetchedManifest> {
    const index = this.readIndex();
    const entry = isDigest(target)
      ? (index.manifests.find((m) => m.digest === target) ?? { mediaType: "", digest: target, size: -1 })
      : index.manifests.find((m) => m.annotations?.[Annotation.refName] === target);
    if (!entry) {
      const tags = index.manifests.map((m) => m.annotations?.[Annotation.refName]).filter(Boolean);
      throw new OciError(`no manifest tagged "${target}" in ${this.location}${tags.length ? ` (tags: ${tags.join(", ")})` : ""}`);
    }
    const bytes = await this.fetchBlob({ ...entry, size: entry.size >= 0 ? entry.size : readSize(this.blobPath(target)) });
    return { descriptor: { mediaType: entry.mediaType, digest: entry.digest, size: bytes.byteLength }, bytes };
  }
}

function readSize(path: string): number {
  try {
    return readFileSync(path).byteLength;
  } catch {
    return 0;
  }
}

function writeAtomically(path: string, bytes: Uint8Array): void {
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, bytes);
  renameSync(temporary, path);
}
