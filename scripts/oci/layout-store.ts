/**
 * An OCI image layout directory (image-spec image-layout.md): `oci-layout`, `index.json`,
 * `blobs/<alg>/<hex>`. Tags are `org.opencontainers.image.ref.name` annotations in index.json, as
 * skopeo's `oci:DIR:TAG` transport reads and writes them. Blobs stream through a temporary file and
 * are renamed into place once their digest is verified, so a crash never leaves a half blob under its
 * digest. Reading a directory that does not exist or is not a layout says so; writing creates the
 * layout, but never inside a non-empty directory that is something else.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { open as openFile, readFile } from "node:fs/promises";
import { join } from "node:path";
import { drain, fileStream, readAll, verified, type ByteStream } from "./content.ts";
import { digestLike, isDigest, verifyContent } from "./digest.ts";
import { OciError } from "./errors.ts";
import { LIMITS } from "./limits.ts";
import { encodeJson, manifestMediaType, type Descriptor, type ImageIndex } from "./manifest.ts";
import { Annotation, MediaType } from "./media-types.ts";
import { printable } from "./secrets.ts";
import { writeFileAtomically } from "../write-atomically.ts";
import type { FetchedManifest, Store } from "./store.ts";

export class OciLayoutStore implements Store {
  readonly location: string;

  constructor(private readonly dir: string) {
    this.location = `oci-layout:${dir}`;
  }

  private blobPath(digest: string): string {
    if (!isDigest(digest)) throw new OciError(`invalid digest ${printable(digest)}`, "invalid-content");
    const [algorithm, hex] = digest.split(":") as [string, string];
    return join(this.dir, "blobs", algorithm, hex);
  }

  /** Throws unless the directory is an OCI layout (for reads). */
  private checkReadable(): void {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(this.dir).isDirectory();
    } catch {
      throw new OciError(`OCI layout ${this.dir} does not exist`, "layout");
    }
    if (!isDirectory) throw new OciError(`OCI layout ${this.dir} is not a directory`, "layout");
    if (!existsSync(join(this.dir, "oci-layout"))) throw new OciError(`${this.dir} is not an OCI image layout (no oci-layout file)`, "layout");
  }

  /** Creates the layout unless it exists; refuses a non-empty directory that is not one. */
  private ensureWritable(): void {
    const marker = join(this.dir, "oci-layout");
    if (existsSync(marker)) return;
    if (existsSync(this.dir)) {
      if (!statSync(this.dir).isDirectory()) throw new OciError(`OCI layout ${this.dir} is not a directory`, "layout");
      if (readdirSync(this.dir).length > 0) throw new OciError(`${this.dir} is not an OCI image layout (no oci-layout file) and not empty`, "layout");
    }
    mkdirSync(join(this.dir, "blobs", "sha256"), { recursive: true });
    writeFileAtomically(marker, encodeJson({ imageLayoutVersion: "1.0.0" }));
  }

  private async readIndex(): Promise<ImageIndex> {
    const path = join(this.dir, "index.json");
    if (!existsSync(path)) return { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
    try {
      const bytes = await readAll(fileStream(path), LIMITS.layoutIndexBytes, path);
      const index = JSON.parse(new TextDecoder().decode(bytes)) as ImageIndex;
      if (!Array.isArray(index.manifests)) throw new Error();
      return index;
    } catch (error) {
      if (error instanceof OciError) throw new OciError(error.message, "layout");
      throw new OciError(`${path} is not a valid OCI image index`, "layout");
    }
  }

  async exists(descriptor: Descriptor): Promise<boolean> {
    const path = this.blobPath(descriptor.digest);
    if (!existsSync(path)) return false;
    // A file of the wrong content is as good as absent: it gets rewritten.
    try {
      await drain(verified(fileStream(path), descriptor, descriptor.digest));
      return true;
    } catch {
      return false;
    }
  }

  async push(descriptor: Descriptor, open: () => ByteStream): Promise<"uploaded" | "exists"> {
    this.ensureWritable();
    if (await this.exists(descriptor)) return "exists";
    const path = this.blobPath(descriptor.digest);
    mkdirSync(join(path, ".."), { recursive: true });
    const temporary = `${path}.tmp-${process.pid}`;
    const file = await openFile(temporary, "w");
    try {
      for await (const chunk of verified(open(), descriptor, `blob ${descriptor.digest}`)) await file.write(chunk);
      await file.close();
      renameSync(temporary, path);
    } catch (error) {
      await file.close().catch(() => {});
      rmSync(temporary, { force: true });
      throw error;
    }
    return "uploaded";
  }

  fetch(descriptor: Descriptor): ByteStream {
    return this.read(descriptor);
  }

  private async *read(descriptor: Descriptor): ByteStream {
    this.checkReadable();
    const path = this.blobPath(descriptor.digest);
    if (!existsSync(path)) throw new OciError(`blob ${descriptor.digest} is missing from ${this.location}`, "not-found");
    yield* verified(fileStream(path), descriptor, `blob ${descriptor.digest} in ${this.location}`);
  }

  async pushManifest(target: string, mediaType: string, bytes: Uint8Array): Promise<string> {
    const digest = digestLike("sha256:", bytes);
    if (isDigest(target) && target !== digest) throw new OciError(`manifest digest ${digest} does not match ${target}`, "digest-mismatch");
    const descriptor: Descriptor = { mediaType, digest, size: bytes.byteLength };
    await this.push(descriptor, async function* () {
      yield bytes;
    });
    const index = await this.readIndex();
    if (isDigest(target)) {
      if (!index.manifests.some((m) => m.digest === digest)) index.manifests.push(descriptor);
    } else {
      index.manifests = index.manifests.filter((m) => m.annotations?.[Annotation.refName] !== target);
      index.manifests.push({ ...descriptor, annotations: { [Annotation.refName]: target } });
    }
    writeFileAtomically(join(this.dir, "index.json"), encodeJson({ ...index, schemaVersion: 2, mediaType: MediaType.ociIndex }));
    return digest;
  }

  async fetchManifest(target: string): Promise<FetchedManifest> {
    this.checkReadable();
    const index = await this.readIndex();
    const entry = isDigest(target)
      ? index.manifests.find((m) => m.digest === target)
      : index.manifests.find((m) => m.annotations?.[Annotation.refName] === target);
    const path = entry || isDigest(target) ? this.blobPath(entry?.digest ?? target) : undefined;
    if (!entry && (!path || !existsSync(path))) {
      const tags = index.manifests.map((m) => m.annotations?.[Annotation.refName]).filter(Boolean);
      throw new OciError(
        `no manifest tagged "${printable(target)}" in ${this.location}${tags.length ? ` (tags: ${printable(tags.join(", "))})` : ""}`,
        "not-found",
      );
    }
    const what = `manifest ${target} in ${this.location}`;
    let bytes: Uint8Array;
    try {
      const size = statSync(path!).size;
      if (size > LIMITS.manifestBytes) throw new OciError(`${what} is ${size} bytes, more than the limit of ${LIMITS.manifestBytes}`, "too-large");
      bytes = new Uint8Array(await readFile(path!));
    } catch (error) {
      if (error instanceof OciError) throw error;
      throw new OciError(`blob ${entry?.digest ?? target} is missing from ${this.location}`, "not-found");
    }
    const digest = entry?.digest ?? target;
    verifyContent(what, digest, bytes, entry?.size);
    const mediaType = manifestMediaType(entry?.mediaType, bytes, what);
    return { descriptor: { mediaType, digest, size: bytes.byteLength }, bytes };
  }
}
