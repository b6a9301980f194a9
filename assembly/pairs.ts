import { reserveScratch } from "./memory";
import { decodeUtf8, encodeUtf8, maxUtf8Length } from "./utf8";

// The header-map wire format (docs/abi.md §1.6), little-endian:
//   u32 count; count × (u32 keyLength, u32 valueLength); count × (key, 0x00, value, 0x00)

/** One header (or metadata) entry. Names are lower-case when they come from Envoy. */
export class HeaderPair {
  constructor(public name: string, public value: string) {}
}

/** Bytes that always suffice to serialize `pairs` (the exact size is what serializePairsTo returns). */
export function maxSerializedSize(pairs: HeaderPair[]): usize {
  let size: usize = 4;
  for (let i = 0; i < pairs.length; i++) {
    const pair = unchecked(pairs[i]);
    size += 10 + maxUtf8Length(pair.name) + maxUtf8Length(pair.value);
  }
  return size;
}

/** Writes `pairs` at `ptr` (which has maxSerializedSize(pairs) bytes); returns the bytes written. */
export function serializePairsTo(pairs: HeaderPair[], ptr: usize): usize {
  const count = pairs.length;
  store<u32>(ptr, count);
  let sizes = ptr + 4;
  let data = sizes + (<usize>count << 3);
  for (let i = 0; i < count; i++) {
    const pair = unchecked(pairs[i]);
    const nameLength = encodeUtf8(pair.name, data);
    store<u8>(data + nameLength, 0);
    data += nameLength + 1;
    const valueLength = encodeUtf8(pair.value, data);
    store<u8>(data + valueLength, 0);
    data += valueLength + 1;
    store<u32>(sizes, <u32>nameLength);
    store<u32>(sizes, <u32>valueLength, 4);
    sizes += 8;
  }
  return data - ptr;
}

/** `pairs` in the wire format, as a new buffer. */
export function serializePairs(pairs: HeaderPair[]): ArrayBuffer {
  const scratch = reserveScratch(maxSerializedSize(pairs));
  const size = serializePairsTo(pairs, scratch);
  const buffer = new ArrayBuffer(<i32>size);
  memory.copy(changetype<usize>(buffer), scratch, size);
  return buffer;
}

/**
 * Decodes `size` bytes at `ptr`. Like the host, anything malformed (lengths past the end, a missing
 * NUL terminator, trailing bytes) yields an empty list rather than partial data.
 */
export function deserializePairs(ptr: usize, size: usize): HeaderPair[] {
  const pairs = new Array<HeaderPair>();
  if (size < 4) return pairs;
  const end = ptr + size;
  const count = <usize>load<u32>(ptr);
  let sizes = ptr + 4;
  if (count > (size - 4) >> 3) return pairs;
  let data = sizes + (count << 3);
  for (let i: usize = 0; i < count; i++) {
    const nameLength = <usize>load<u32>(sizes);
    const valueLength = <usize>load<u32>(sizes, 4);
    sizes += 8;
    if (nameLength >= end - data || load<u8>(data + nameLength) != 0) return new Array<HeaderPair>();
    const name = decodeUtf8(data, nameLength);
    data += nameLength + 1;
    if (valueLength >= end - data || load<u8>(data + valueLength) != 0) return new Array<HeaderPair>();
    const value = decodeUtf8(data, valueLength);
    data += valueLength + 1;
    pairs.push(new HeaderPair(name, value));
  }
  if (data != end) return new Array<HeaderPair>();
  return pairs;
}
