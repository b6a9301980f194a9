// Header-map serialization (docs/abi.md §1.6): the SDK's encoder and decoder against the spec's bytes and
// the emulator's own codec (scripts/host/pairs.ts), written independently in TypeScript.
import { deserializePairs, HeaderPair, maxSerializedSize, serializePairs, serializePairsTo } from "../../assembly/pairs";
import { HeaderMap } from "../../assembly/headers";
import { MapType } from "../../assembly/types";
import { bytesOf, hex, hostAddHeader, hostLastBytes, hostMapSerialized, hostReset } from "./host-controls";

export { malloc } from "../../assembly/callbacks/lifecycle";

function pairs2(a: string, b: string, c: string, d: string): HeaderPair[] {
  return [new HeaderPair(a, b), new HeaderPair(c, d)];
}

function decode(buffer: ArrayBuffer): HeaderPair[] {
  return deserializePairs(changetype<usize>(buffer), buffer.byteLength);
}

/** The 29 bytes docs/abi.md §1.6 gives for {a:1},{b:22}. */
const SPEC_VECTOR = "02 00 00 00 01 00 00 00 01 00 00 00 01 00 00 00 02 00 00 00 61 00 31 00 62 00 32 32 00";

describe("serializePairs", () => {
  it("writes the 29-byte vector of docs/abi.md §1.6 for {a:1},{b:22}", () => {
    const bytes = serializePairs(pairs2("a", "1", "b", "22"));
    expect(bytes.byteLength).toBe(29);
    expect(hex(bytes)).toBe(SPEC_VECTOR);
  });

  it("writes an empty map as a zero count (4 bytes)", () => {
    expect(hex(serializePairs([]))).toBe("00 00 00 00");
  });

  it("writes names and values as UTF-8 with byte lengths", () => {
    const bytes = serializePairs([new HeaderPair("ключ", "värde 😀")]);
    // "ключ" is 8 bytes, "värde 😀" is 1+2+3+1+4 = 11 bytes
    expect(hex(bytes)).toBe(
      "01 00 00 00 08 00 00 00 0b 00 00 00 " +
        "d0 ba d0 bb d1 8e d1 87 00 76 c3 a4 72 64 65 20 f0 9f 98 80 00",
    );
  });

  it("writes empty names and values as a lone terminator", () => {
    expect(hex(serializePairs(pairs2("x", "", "", "y")))).toBe(
      "02 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00 01 00 00 00 78 00 00 00 79 00",
    );
  });

  it("matches the host's encoder for the same entries", () => {
    hostReset();
    hostAddHeader(MapType.HttpRequestHeaders, ":path", "/é?q=1");
    hostAddHeader(MapType.HttpRequestHeaders, "x-empty", "");
    hostAddHeader(MapType.HttpRequestHeaders, "x-emoji", "😀🎉");
    const ours = serializePairs([new HeaderPair(":path", "/é?q=1"), new HeaderPair("x-empty", ""), new HeaderPair("x-emoji", "😀🎉")]);
    expect(hex(ours)).toBe(hex(hostMapSerialized(MapType.HttpRequestHeaders)));
  });

  it("stays within maxSerializedSize", () => {
    const pairs = [new HeaderPair("ü😀", "\u0800\u07ff"), new HeaderPair("", "")];
    const bound = maxSerializedSize(pairs);
    const scratch = heap.alloc(bound);
    const written = serializePairsTo(pairs, scratch);
    heap.free(scratch);
    expect(written).toBeLessThanOrEqual(bound);
    expect(written).toBe(serializePairs(pairs).byteLength);
  });

  it("is what HeaderMap.setPairs hands to the host", () => {
    hostReset();
    const status = new HeaderMap(MapType.HttpResponseHeaders).setPairs(pairs2("a", "1", "b", "22"));
    expect(status).toBe(0);
    expect(hex(hostLastBytes("proxy_set_header_map_pairs"))).toBe(SPEC_VECTOR);
    expect(hex(hostMapSerialized(MapType.HttpResponseHeaders))).toBe(SPEC_VECTOR);
  });
});

describe("deserializePairs", () => {
  it("reads the docs/abi.md §1.6 vector", () => {
    const pairs = decode(serializePairs(pairs2("a", "1", "b", "22")));
    expect(pairs.length).toBe(2);
    expect(pairs[0].name).toBe("a");
    expect(pairs[0].value).toBe("1");
    expect(pairs[1].name).toBe("b");
    expect(pairs[1].value).toBe("22");
  });

  it("round-trips non-ASCII and empty entries", () => {
    const pairs = decode(serializePairs([new HeaderPair("ключ", "värde 😀"), new HeaderPair("", ""), new HeaderPair("e", "")]));
    expect(pairs.length).toBe(3);
    expect(pairs[0].name).toBe("ключ");
    expect(pairs[0].value).toBe("värde 😀");
    expect(pairs[1].name).toBe("");
    expect(pairs[1].value).toBe("");
    expect(pairs[2].name).toBe("e");
    expect(pairs[2].value).toBe("");
  });

  it("reads the host's encoding", () => {
    hostReset();
    hostAddHeader(MapType.HttpRequestTrailers, "grpc-message", "ok ✓");
    const pairs = decode(hostMapSerialized(MapType.HttpRequestTrailers));
    expect(pairs.length).toBe(1);
    expect(pairs[0].name).toBe("grpc-message");
    expect(pairs[0].value).toBe("ok ✓");
  });

  it("reads an empty map: nothing, a zero count", () => {
    expect(deserializePairs(0, 0).length).toBe(0);
    expect(decode(bytesOf([0, 0, 0, 0])).length).toBe(0);
  });

  it("gives an empty list for malformed buffers", () => {
    const valid = serializePairs(pairs2("a", "1", "b", "22"));
    const bytes = changetype<usize>(valid);
    // shorter than a count, or cut anywhere
    expect(decode(bytesOf([2, 0, 0])).length).toBe(0);
    for (let size = 4; size < 29; size++) {
      expect(deserializePairs(bytes, size).length).toBe(0, "cut at " + size.toString());
    }
    // a trailing byte
    const longer = new ArrayBuffer(30);
    memory.copy(changetype<usize>(longer), bytes, 29);
    expect(decode(longer).length).toBe(0);
    // a missing NUL after a name, after a value
    const noNul = valid.slice(0);
    store<u8>(changetype<usize>(noNul) + 21, 0x78);
    expect(decode(noNul).length).toBe(0);
    const noValueNul = valid.slice(0);
    store<u8>(changetype<usize>(noValueNul) + 28, 0x78);
    expect(decode(noValueNul).length).toBe(0);
    // counts and lengths that point past the end (and would overflow 32-bit arithmetic)
    const bigCount = valid.slice(0);
    store<u32>(changetype<usize>(bigCount), 0xffffffff);
    expect(decode(bigCount).length).toBe(0);
    const moreCount = valid.slice(0);
    store<u32>(changetype<usize>(moreCount), 3);
    expect(decode(moreCount).length).toBe(0);
    const bigName = valid.slice(0);
    store<u32>(changetype<usize>(bigName) + 4, 0xffffffff);
    expect(decode(bigName).length).toBe(0);
    const bigValue = valid.slice(0);
    store<u32>(changetype<usize>(bigValue) + 16, 0xfffffffe);
    expect(decode(bigValue).length).toBe(0);
    // a zero count with data after it
    expect(decode(bytesOf([0, 0, 0, 0, 0])).length).toBe(0);
  });
});
