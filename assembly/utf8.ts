// UTF-8 <-> AssemblyScript strings (UTF-16), written for size: no exact-length pre-pass, no
// shrinking reallocation; ASCII goes four characters at a time. Callers reserve `maxUtf8Length(text)`
// bytes before encoding.
import { reserveScratch } from "./scratch";

/** Bytes that always suffice to encode `text` (3 per UTF-16 unit; a surrogate pair needs only 4). */
// @ts-ignore: decorator
@inline
export function maxUtf8Length(text: string): usize {
  return <usize>text.length * 3;
}

/** Encodes `text` at `to`; returns the bytes written. Lone surrogates become 3-byte sequences (WTF-8). */
export function encodeUtf8(text: string, to: usize): usize {
  return encodeUtf16(changetype<usize>(text), changetype<usize>(text) + (<usize>text.length << 1), to);
}

/** Encodes the UTF-16 units in [from, end) at `to` as UTF-8; returns the bytes written. */
export function encodeUtf16(from: usize, end: usize, to: usize): usize {
  const start = to;
  while (from < end) {
    // ASCII, four units at a time: each unit becomes one byte.
    while (from + 8 <= end) {
      const four = load<u64>(from);
      if ((four & 0xff80_ff80_ff80_ff80) != 0) break;
      store<u32>(to, <u32>(four & 0xff) | <u32>((four >> 8) & 0xff00) | <u32>((four >> 16) & 0xff_0000) | <u32>((four >> 24) & 0xff00_0000));
      from += 8;
      to += 4;
    }
    if (from >= end) break;
    let c = <u32>load<u16>(from);
    from += 2;
    if (c < 0x80) {
      store<u8>(to++, c);
      continue;
    }
    if ((c & 0xfc00) == 0xd800 && from < end && (load<u16>(from) & 0xfc00) == 0xdc00) {
      c = 0x10000 + ((c & 0x3ff) << 10) + (<u32>load<u16>(from) & 0x3ff);
      from += 2;
    }
    // Continuation bytes after the lead byte: 1, 2 or 3; the lead byte carries that many high bits.
    let shift: u32 = c < 0x800 ? 6 : c < 0x10000 ? 12 : 18;
    store<u8>(to++, <u8>((<u32>0xf0 << (3 - shift / 6)) | (c >> shift)));
    while (shift != 0) {
      shift -= 6;
      store<u8>(to++, 0x80 | ((c >> shift) & 0x3f));
    }
  }
  return to - start;
}

/** Decodes `length` bytes of UTF-8 at `from` (leniently, like the standard library). */
export function decodeUtf8(from: usize, length: usize): string {
  const units = reserveScratch(length << 1); // never more UTF-16 units than bytes
  let to = units;
  const end = from + length;
  while (from < end) {
    // ASCII, four bytes at a time: each byte becomes a 16-bit unit.
    while (from + 4 <= end) {
      const four = load<u32>(from);
      if ((four & 0x8080_8080) != 0) break;
      store<u64>(to, <u64>(four & 0xff) | (<u64>(four & 0xff00) << 8) | (<u64>(four & 0xff_0000) << 16) | (<u64>(four & 0xff00_0000) << 24));
      from += 4;
      to += 8;
    }
    if (from >= end) break;
    let c = <u32>load<u8>(from++);
    if (c >= 0x80) {
      const extra: u32 = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
      c &= 0x3f >> extra;
      for (let i: u32 = 0; i < extra && from < end; i++) c = (c << 6) | (<u32>load<u8>(from++) & 0x3f);
      if (c >= 0x10000) {
        c -= 0x10000;
        store<u16>(to, 0xd800 | (c >> 10));
        to += 2;
        c = 0xdc00 | (c & 0x3ff);
      }
    }
    store<u16>(to, c);
    to += 2;
  }
  return String.UTF16.decodeUnsafe(units, to - units);
}
