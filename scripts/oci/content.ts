/**
 * Blob contents as re-openable byte streams, so a module of any size moves from disk or a registry to
 * a registry, a layout or a file in bounded memory, and an upload can be repeated by opening it again.
 * `verified` is the single place a downloaded stream is checked: it never yields more than the
 * descriptor's size and fails at the end unless size and digest match.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { DigestMismatchError, OciError } from "./errors.ts";

export type ByteStream = AsyncIterable<Uint8Array>;

/** Bytes that can be read from the start any number of times. */
export interface Content {
  size: number;
  /** `sha256:<hex>` of the bytes. */
  digest: string;
  open(): ByteStream;
  /** Set when the bytes are in memory anyway (small blobs). */
  bytes?: Uint8Array;
}

export function bytesContent(bytes: Uint8Array): Content {
  return {
    size: bytes.byteLength,
    digest: `sha256:${createHash("sha256").update(bytes).digest("hex")}`,
    bytes,
    open: () => oneChunk(bytes),
  };
}

async function* oneChunk(bytes: Uint8Array): ByteStream {
  if (bytes.byteLength > 0) yield bytes;
}

export const READ_CHUNK = 256 * 1024;

/** A file's bytes, read in 256 KiB chunks (the same chunks each time, so derived gzip output is stable). */
export function fileStream(path: string, start = 0, end?: number): ByteStream {
  return createReadStream(path, { highWaterMark: READ_CHUNK, start, ...(end !== undefined ? { end: end - 1 } : {}) });
}

/** A file as Content; its digest is computed by reading it once (in bounded memory). */
export async function fileContent(path: string, size: number): Promise<Content> {
  const digest = await digestOf(fileStream(path));
  return { size, digest, open: () => fileStream(path) };
}

/** sha256 of a stream, and how many bytes it had. */
export async function digestOf(stream: ByteStream): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of stream) hash.update(chunk);
  return `sha256:${hash.digest("hex")}`;
}

/** Reads a whole stream into memory, refusing more than `limit` bytes. */
export async function readAll(stream: ByteStream, limit: number, what: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.byteLength;
    if (total > limit) throw new OciError(`${what} is larger than ${limit} bytes`, "too-large");
    chunks.push(chunk);
  }
  return concatChunks(chunks, total);
}

export function concatChunks(chunks: readonly Uint8Array[], total = chunks.reduce((n, c) => n + c.byteLength, 0)): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

export interface Expected {
  digest: string;
  size: number;
}

/**
 * Passes `stream` through while hashing it: stops with a size error as soon as it exceeds
 * `expected.size` (the rest is never read), and at the end fails unless size and digest match.
 * `what` names the content in messages ("blob sha256:… from host/repo").
 */
export async function* verified(stream: ByteStream, expected: Expected, what: string): ByteStream {
  const algorithm = expected.digest.startsWith("sha512:") ? "sha512" : "sha256";
  const hash = createHash(algorithm);
  let received = 0;
  for await (const chunk of stream) {
    received += chunk.byteLength;
    if (received > expected.size) {
      throw new DigestMismatchError(`size mismatch for ${what}: expected ${expected.size} bytes, got more`);
    }
    hash.update(chunk);
    yield chunk;
  }
  if (received !== expected.size) {
    throw new DigestMismatchError(`size mismatch for ${what}: expected ${expected.size} bytes, got ${received}`);
  }
  const actual = `${algorithm}:${hash.digest("hex")}`;
  if (actual !== expected.digest) throw new DigestMismatchError(`digest mismatch for ${what}: expected ${expected.digest}, got ${actual}`);
}

/** Calls `onBytes(total)` as chunks pass. */
export async function* counted(stream: ByteStream, onBytes: (total: number) => void): ByteStream {
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.byteLength;
    onBytes(total);
    yield chunk;
  }
}

/** Reads and drops a stream (for digest checks of content nobody needs). */
export async function drain(stream: ByteStream): Promise<void> {
  for await (const _ of stream) {
    // only the verification inside the stream matters
  }
}
