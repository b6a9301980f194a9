// utf8.ts against JavaScript's TextEncoder / TextDecoder. Well-formed text must match exactly. Lone
// surrogates are the documented exception: the SDK writes them as 3-byte sequences (WTF-8, as
// AssemblyScript's String.UTF8 does) where TextEncoder writes U+FFFD, so they survive a round trip.
import { decodeUtf8, encodeUtf8, maxUtf8Length } from "../../assembly/utf8";
import { bytesOf, hex, textDecoderString, textEncoderBytes } from "./host-controls";

function encode(text: string): ArrayBuffer {
  const scratch = heap.alloc(maxUtf8Length(text) + 1);
  const length = encodeUtf8(text, scratch);
  const bytes = new ArrayBuffer(<i32>length);
  memory.copy(changetype<usize>(bytes), scratch, length);
  heap.free(scratch);
  return bytes;
}

function decode(bytes: ArrayBuffer): string {
  return decodeUtf8(changetype<usize>(bytes), bytes.byteLength);
}

function units(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) out += (i > 0 ? " " : "") + (<u32>text.charCodeAt(i)).toString(16);
  return out;
}

function isSurrogate(cp: i32): bool {
  return cp >= 0xd800 && cp <= 0xdfff;
}

/** Every `step`-th code point from U+0001 to U+10FFFF (surrogates skipped) as one string. */
function sweep(step: i32): string {
  const units = heap.alloc(<usize>(0x110000 / step + 1) * 4);
  let at = units;
  for (let cp: i32 = 1; cp <= 0x10ffff; cp += step) {
    if (isSurrogate(cp)) continue;
    if (cp < 0x10000) {
      store<u16>(at, cp);
      at += 2;
    } else {
      store<u16>(at, 0xd800 | ((cp - 0x10000) >> 10));
      store<u16>(at, 0xdc00 | (cp & 0x3ff), 2);
      at += 4;
    }
  }
  const text = String.UTF16.decodeUnsafe(units, at - units);
  heap.free(units);
  return text;
}

/** The first byte offset where `a` and `b` differ, or -1. */
function firstDifference(a: ArrayBuffer, b: ArrayBuffer): i32 {
  const length = min(a.byteLength, b.byteLength);
  for (let i = 0; i < length; i++) {
    if (load<u8>(changetype<usize>(a) + i) != load<u8>(changetype<usize>(b) + i)) return i;
  }
  return a.byteLength == b.byteLength ? -1 : length;
}

const WELL_FORMED: string[] = [
  "",
  "plain ascii",
  "\u0000\u007f",
  "\u0080\u07ff",
  "\u0800\uffff",
  "héllo wörld",
  "€ 日本語 ключ",
  "😀",
  "a😀b🎉c",
  "\ud7ff\ue000",
  "\ud800\udc00",
  "\udbff\udfff",
];

describe("encodeUtf8", () => {
  it("matches TextEncoder on well-formed text, surrogate pairs included", () => {
    for (let i = 0; i < WELL_FORMED.length; i++) {
      const text = WELL_FORMED[i];
      expect(hex(encode(text))).toBe(hex(textEncoderBytes(text)), units(text));
    }
  });

  it("matches TextEncoder on every 13th code point, in one string", () => {
    const text = sweep(13);
    const ours = encode(text);
    const theirs = textEncoderBytes(text);
    expect(firstDifference(ours, theirs)).toBe(-1);
    expect(ours.byteLength).toBe(theirs.byteLength);
  });

  it("writes pairs as 4 bytes and the plane boundaries exactly", () => {
    expect(hex(encode("😀"))).toBe("f0 9f 98 80");
    expect(hex(encode("\u{10000}"))).toBe("f0 90 80 80");
    expect(hex(encode("\u{10ffff}"))).toBe("f4 8f bf bf");
    expect(hex(encode("\u07ff\u0800"))).toBe("df bf e0 a0 80");
  });

  it("writes lone surrogates as 3-byte sequences (WTF-8) where TextEncoder writes U+FFFD", () => {
    expect(hex(encode("\ud800"))).toBe("ed a0 80");
    expect(hex(encode("a\udbff"))).toBe("61 ed af bf");
    expect(hex(encode("\udc00b"))).toBe("ed b0 80 62");
    expect(hex(encode("\udc00\ud800"))).toBe("ed b0 80 ed a0 80");
    expect(hex(encode("\ud800A"))).toBe("ed a0 80 41");
    expect(hex(textEncoderBytes("\ud800"))).toBe("ef bf bd");
  });

  it("agrees with AssemblyScript's String.UTF8 everywhere, lone surrogates included", () => {
    const samples: string[] = ["\ud800", "x\udfffy", "\udc00\ud800", "😀\ud83d", "ü€😀"];
    for (let i = 0; i < samples.length; i++) {
      expect(hex(encode(samples[i]))).toBe(hex(String.UTF8.encode(samples[i])), units(samples[i]));
    }
  });

  it("never writes more than maxUtf8Length", () => {
    const samples: string[] = ["\u0800\u0800\u0800", "\ud800\ud800", "😀😀", "\uffff", ""];
    for (let i = 0; i < samples.length; i++) {
      expect(<i32>encode(samples[i]).byteLength).toBeLessThanOrEqual(<i32>maxUtf8Length(samples[i]));
    }
    expect(encode("\u0800\u0800\u0800").byteLength).toBe(9);
  });
});

describe("decodeUtf8", () => {
  it("matches TextDecoder on well-formed UTF-8", () => {
    for (let i = 0; i < WELL_FORMED.length; i++) {
      const bytes = textEncoderBytes(WELL_FORMED[i]);
      const expected = textDecoderString(changetype<usize>(bytes), bytes.byteLength, true)!;
      expect(units(decode(bytes))).toBe(units(expected));
      expect(decode(bytes)).toBe(WELL_FORMED[i]);
    }
  });

  it("matches TextDecoder on every 13th code point, in one buffer", () => {
    const bytes = textEncoderBytes(sweep(13));
    const ours = decode(bytes);
    const theirs = textDecoderString(changetype<usize>(bytes), bytes.byteLength, true)!;
    expect(ours.length).toBe(theirs.length);
    expect(ours == theirs).toBe(true);
  });

  it("turns WTF-8 lone surrogates back into lone surrogates", () => {
    const samples: string[] = ["\ud800", "a\udbffb", "\udc00\ud800"];
    for (let i = 0; i < samples.length; i++) {
      const bytes = encode(samples[i]);
      expect(textDecoderString(changetype<usize>(bytes), bytes.byteLength, true)).toBeNull();
      expect(units(decode(bytes))).toBe(units(samples[i]));
    }
  });

  it("decodes malformed input leniently without reading past the end", () => {
    // Each case sits in front of bytes that would change the result if they were read.
    const guarded = bytesOf([0xe2, 0x82, 0xac, 0xac, 0xac]);
    const at = changetype<usize>(guarded);
    expect(units(decodeUtf8(at, 2))).toBe("82"); // truncated 3-byte sequence
    expect(units(decodeUtf8(at, 1))).toBe("2"); // a lead byte alone
    expect(units(decodeUtf8(at + 3, 1))).toBe("c"); // a stray continuation byte (its low 5 bits)
    expect(decodeUtf8(at, 0)).toBe("");
    expect(units(decodeUtf8(at, 3))).toBe("20ac");
    const four = bytesOf([0xf0, 0x9f, 0x98, 0x80]);
    expect(decodeUtf8(changetype<usize>(four), 3).length).toBe(1); // truncated 4-byte sequence
    expect(textDecoderString(at, 2, true)).toBeNull();
  });

  it("gives one UTF-16 unit per invalid byte at most", () => {
    const junk = bytesOf([0xff, 0xfe, 0x80, 0xc0, 0xc1, 0xf5, 0xf8]);
    expect(decode(junk).length).toBeLessThanOrEqual(junk.byteLength);
  });
});
