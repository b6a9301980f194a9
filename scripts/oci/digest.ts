/** Content digests (`algorithm:hex`), computed with node:crypto and checked on every download. */
import { createHash } from "node:crypto";
import { DigestMismatchError } from "./errors.ts";

const DIGEST_PATTERN = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export function isDigest(value: string): boolean {
  return DIGEST_PATTERN.test(value);
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** The digest of `bytes` with the algorithm of `like` (sha256 or sha512). */
export function digestLike(like: string, bytes: Uint8Array): string {
  const algorithm = like.startsWith("sha512:") ? "sha512" : "sha256";
  return `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;
}

/** Throws a DigestMismatchError naming `what` unless `bytes` hash to `expected` (and have `size`, if given). */
export function verifyContent(what: string, expected: string, bytes: Uint8Array, size?: number): void {
  if (size !== undefined && bytes.byteLength !== size) {
    throw new DigestMismatchError(`size mismatch for ${what}: expected ${size} bytes, got ${bytes.byteLength}`);
  }
  const actual = digestLike(expected, bytes);
  if (actual !== expected) {
    throw new DigestMismatchError(`digest mismatch for ${what}: expected ${expected}, got ${actual}`);
  }
}

/** `sha256:abc…` → `abc…` (what Istio's WasmPlugin.spec.sha256 wants). */
export function digestHex(digest: string): string {
  return digest.slice(digest.indexOf(":") + 1);
}
