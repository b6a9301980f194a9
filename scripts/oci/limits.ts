/**
 * Every byte from outside is bounded and every wait has a timeout. The numbers, in one place
 * (docs/security.md states them as the client's promises).
 */
const KiB = 1024;
const MiB = 1024 * KiB;

export const LIMITS = {
  /** A manifest or index (distribution refuses larger ones too). */
  manifestBytes: 4 * MiB,
  /** A config blob, read into memory to show or check it. */
  configBytes: 4 * MiB,
  /** An error body, read on every failed exchange (and retry) only to quote its first error. */
  errorBodyBytes: 4 * KiB,
  /** A token server's reply. */
  tokenReplyBytes: 128 * KiB,
  /** index.json of an OCI layout. */
  layoutIndexBytes: 4 * MiB,
  /** A module: what Istio accepts (ISTIO_WASM_MAX_BINARY_SIZE_BYTES); caps a layer and its inflation. */
  moduleBytes: 256 * MiB,
  /** Non-module entries of a compat layer (runtime-config.json, pax headers) together. */
  tarMetadataBytes: 1 * MiB,
  /** What a credential helper may print. */
  helperOutputBytes: 64 * KiB,
} as const;

export const TIMEOUTS = {
  /** No byte in either direction for this long fails the exchange (not a whole-transfer limit). */
  stallMs: 30_000,
  /** A credential helper gets this long, then its whole process group is killed. */
  helperMs: 15_000,
} as const;

export function mib(bytes: number): string {
  return `${Math.round((bytes / MiB) * 10) / 10} MiB`;
}
