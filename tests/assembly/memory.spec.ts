// The allocator round trip (docs/abi.md §2.13): the host obtains a block from the exported malloc, writes
// into it and hands it over; the SDK reads it and frees it. Empty answers are ptr=0,size=0 and
// allocate nothing. Arguments go through a reused scratch area, without allocating.
import { proxy_get_header_map_value } from "../../assembly/abi/headers";
import { malloc } from "../../assembly/callbacks/lifecycle";
import { HeaderMap } from "../../assembly/headers";
import { HostBuffer } from "../../assembly/buffers";
import {
  arg0,
  arg0Length,
  arg1,
  arg1Length,
  dropAnswer,
  encodeArg,
  encodeArgs,
  reserveScratch,
  RETURN_PTR,
  RETURN_SIZE,
  RETURN_U64,
  takeBytes,
  takeString,
} from "../../assembly/memory";
import { BufferType, MapType } from "../../assembly/types";
import {
  hostAddHeader,
  heapAllocations,
  hostSetBufferText,
  hostMallocCount,
  hostLastAllocation,
  hostLiveAllocations,
  hostReset,
} from "./host-controls";

export { malloc };

const headers = new HeaderMap(MapType.HttpRequestHeaders);
const body = new HostBuffer(BufferType.HttpRequestBody);

/** Pretends the host answered (ptr, size). */
function answer(ptr: usize, size: usize): void {
  store<usize>(RETURN_PTR, ptr);
  store<usize>(RETURN_SIZE, size);
}

/** A block from the exported allocator holding `text` (ASCII), as the host would hand it over. */
function hostBlock(text: string): usize {
  const ptr = malloc(text.length);
  for (let i = 0; i < text.length; i++) store<u8>(ptr + i, <u8>text.charCodeAt(i));
  return ptr;
}

describe("malloc (exported as malloc and proxy_on_memory_allocate)", () => {
  it("gives distinct, writable, non-zero blocks", () => {
    const a = malloc(16);
    const b = malloc(100000); // grows memory
    expect(a).not.toBe(0);
    expect(b).not.toBe(0);
    expect(b >= a + 16 || b + 100000 <= a).toBe(true, "blocks overlap");
    store<u8>(b + 99999, 7);
    expect(load<u8>(b + 99999)).toBe(7);
    heap.free(a);
    heap.free(b);
  });

  it("gives a freeable block for size 0", () => {
    const p = malloc(0);
    expect(p).not.toBe(0);
    heap.free(p);
  });

  it("keeps the out-parameter slots apart and aligned", () => {
    expect(RETURN_SIZE).toBe(RETURN_PTR + 4);
    expect(RETURN_U64 % 8).toBe(0);
    expect(RETURN_U64).toBeGreaterThanOrEqual(RETURN_SIZE + 4);
  });
});

describe("taking host blocks", () => {
  beforeEach(() => hostReset());

  it("takeString decodes the block and frees it", () => {
    answer(hostBlock("hello"), 5);
    expect(takeString()).toBe("hello");
    // the freed block is the first fit for the same size again
    const again = malloc(5);
    expect(again).toBe(load<usize>(RETURN_PTR));
    heap.free(again);
  });

  it("takeBytes copies the block and frees it", () => {
    const ptr = hostBlock("abc");
    answer(ptr, 3);
    const bytes = takeBytes();
    expect(bytes.byteLength).toBe(3);
    expect(load<u8>(changetype<usize>(bytes) + 2)).toBe(0x63);
    expect(changetype<usize>(bytes)).not.toBe(ptr);
    expect(malloc(3)).toBe(ptr);
    heap.free(ptr);
  });

  it("dropAnswer frees without reading", () => {
    const ptr = hostBlock("xyz");
    answer(ptr, 3);
    dropAnswer();
    expect(malloc(3)).toBe(ptr);
    heap.free(ptr);
  });

  it("treats ptr=0,size=0 as empty and frees nothing", () => {
    answer(0, 0);
    expect(takeString()).toBe("");
    expect(takeBytes().byteLength).toBe(0);
    dropAnswer(); // would trap or corrupt the heap if it freed address 0
  });

  it("sees a host block live until the SDK frees it", () => {
    hostAddHeader(MapType.HttpRequestHeaders, "x-a", "value-a");
    encodeArg("x-a");
    expect(proxy_get_header_map_value(MapType.HttpRequestHeaders, arg0, arg0Length, RETURN_PTR, RETURN_SIZE)).toBe(0);
    expect(load<usize>(RETURN_PTR)).toBe(hostLastAllocation());
    expect(load<usize>(RETURN_SIZE)).toBe(7);
    expect(hostLiveAllocations()).toBe(1);
    dropAnswer();
    expect(hostLiveAllocations()).toBe(0);
  });

  it("frees every block the host handed over through HeaderMap and HostBuffer", () => {
    hostAddHeader(MapType.HttpRequestHeaders, "x-a", "value-a");
    hostAddHeader(MapType.HttpRequestHeaders, "x-b", "value-b");
    hostSetBufferText(BufferType.HttpRequestBody, "the body");
    expect(headers.get("x-a")).toBe("value-a");
    expect(hostMallocCount()).toBe(1);
    expect(hostLiveAllocations()).toBe(0);
    expect(headers.getBytes("x-b")!.byteLength).toBe(7);
    expect(headers.getPairs().length).toBe(2);
    expect(headers.getPairsBytes()!.byteLength).toBe(4 + 16 + 4 + 8 + 4 + 8);
    expect(body.getString()).toBe("the body");
    expect(body.getBytes(4)!.byteLength).toBe(4);
    expect(hostMallocCount()).toBe(6);
    expect(hostLiveAllocations()).toBe(0);
    expect(hostLastAllocation()).not.toBe(0);
  });

  it("gets empty answers without the host allocating", () => {
    hostAddHeader(MapType.HttpRequestHeaders, "x-empty", "");
    hostSetBufferText(BufferType.HttpRequestBody, "");
    expect(headers.get("x-empty")).toBe("");
    expect(new HeaderMap(MapType.HttpRequestTrailers).getPairs().length).toBe(0);
    expect(body.getString()).toBe("");
    expect(body.getBytes()!.byteLength).toBe(0);
    expect(hostMallocCount()).toBe(0);
  });
});

describe("scratch arguments", () => {
  beforeEach(() => hostReset());

  it("encodes one argument as UTF-8", () => {
    encodeArg("é😀");
    expect(arg0Length).toBe(6);
    expect(load<u8>(arg0)).toBe(0xc3);
    expect(load<u8>(arg0 + 2)).toBe(0xf0);
  });

  it("encodes two arguments", () => {
    encodeArgs("name", "välue");
    expect(arg0Length).toBe(4);
    expect(load<u8>(arg0 + 3)).toBe(0x65);
    expect(arg1Length).toBe(6);
    expect(load<u8>(arg1 + 1)).toBe(0xc3);
  });

  it("encodes long arguments into scratch, back to back", () => {
    const first = "n".repeat(30);
    const second = "v".repeat(40);
    encodeArgs(first, second);
    expect(arg0Length).toBe(30);
    expect(arg1).toBe(arg0 + 30);
    expect(arg1Length).toBe(40);
    expect(load<u8>(arg1 + 39)).toBe(0x76);
  });

  it("keeps the UTF-8 of short strings: the same string is not encoded again", () => {
    const name = "x-" + "cached"; // a heap string
    encodeArg(name);
    const at = arg0;
    store<u8>(at, 0x58); // were it encoded again, this would be overwritten
    encodeArg(name);
    expect(arg0).toBe(at);
    expect(load<u8>(arg0)).toBe(0x58);
    store<u8>(at, 0x78);
    encodeArg("x-" + "cached"); // equal text, another string: encoded again
    expect(arg0Length).toBe(8);
    expect(load<u8>(arg0)).toBe(0x78);
  });

  it("never lets the second argument evict the first", () => {
    // Find two strings in the same cache slot (same address bits 4..6).
    const first = "first-" + "arg";
    let second = "second-" + "arg";
    while (((changetype<usize>(second) ^ changetype<usize>(first)) & 0x70) != 0) second = "second-" + "arg";
    encodeArgs(first, second);
    expect(String.UTF8.decodeUnsafe(arg0, arg0Length)).toBe("first-arg");
    expect(String.UTF8.decodeUnsafe(arg1, arg1Length)).toBe("second-arg");
    encodeArgs(second, first);
    expect(String.UTF8.decodeUnsafe(arg0, arg0Length)).toBe("second-arg");
    expect(String.UTF8.decodeUnsafe(arg1, arg1Length)).toBe("first-arg");
  });

  it("reuses the scratch area and grows it only when needed", () => {
    const first = reserveScratch(10);
    expect(reserveScratch(200)).toBe(first);
    const bigger = reserveScratch(5000);
    expect(reserveScratch(4000)).toBe(bigger);
  });

  it("passes strings to the host without allocating", () => {
    headers.add("x-warm", "up"); // scratch is already large enough afterwards
    const before = heapAllocations();
    headers.add("x-name", "a value");
    headers.replace("x-name", "another");
    headers.remove("x-name");
    body.appendString("more");
    expect(heapAllocations()).toBe(before);
  });
});
