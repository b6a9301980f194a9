// Header-map / metadata serialization (docs/abi.md §1.6, cpp-host pairs_util.cc):
//   u32 N, N × {u32 key_len, u32 value_len}, N × {key, 0x00, value, 0x00}, little-endian.
// The decoder is strict like cpp-host: any violation yields an empty list, never an error status.

import { Limits } from "./constants.ts";

export type Pairs = Array<[string, string]>;

type Bytes = Uint8Array | string;

function toBuffer(b: Bytes): Buffer {
  return typeof b === "string" ? Buffer.from(b, "utf8") : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** Serializes pairs whose parts may be binary (property maps carry encoded values). */
export function encodePairs(pairs: ReadonlyArray<readonly [Bytes, Bytes]>): Buffer {
  const parts = pairs.map(([k, v]) => [toBuffer(k), toBuffer(v)] as const);
  let size = 4;
  for (const [k, v] of parts) size += 8 + k.length + 1 + v.length + 1;
  const out = Buffer.alloc(size);
  out.writeUInt32LE(parts.length, 0);
  let h = 4;
  let d = 4 + 8 * parts.length;
  for (const [k, v] of parts) {
    out.writeUInt32LE(k.length, h);
    out.writeUInt32LE(v.length, h + 4);
    h += 8;
    k.copy(out, d);
    d += k.length + 1;
    v.copy(out, d);
    d += v.length + 1;
  }
  return out;
}

/** Decodes a pairs buffer; returns [] for anything cpp-host would reject. */
export function decodePairs(data: Uint8Array): Pairs {
  const n = data.byteLength;
  if (n < 4 || n > Limits.pairsMaxBytes) return [];
  const dv = new DataView(data.buffer, data.byteOffset, n);
  const count = dv.getUint32(0, true);
  if (count > Limits.pairsMaxCount) return [];
  let d = 4 + count * 8;
  if (d > n) return [];
  const buf = Buffer.from(data.buffer, data.byteOffset, n);
  const out: Pairs = [];
  for (let i = 0; i < count; i++) {
    const klen = dv.getUint32(4 + i * 8, true);
    const vlen = dv.getUint32(8 + i * 8, true);
    if (d + klen + 1 > n || buf[d + klen] !== 0) return [];
    const key = buf.toString("utf8", d, d + klen);
    d += klen + 1;
    if (d + vlen + 1 > n || buf[d + vlen] !== 0) return [];
    const value = buf.toString("utf8", d, d + vlen);
    d += vlen + 1;
    out.push([key, value]);
  }
  return d === n ? out : [];
}
