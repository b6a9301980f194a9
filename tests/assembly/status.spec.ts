// Host statuses are values (docs/abi.md §7 A10): getters give null (or -1, or an empty list) and record the
// status for lastStatus(); writers return it. Nothing traps on NotFound, BadArgument and the like.
import { HostBuffer } from "../../assembly/buffers";
import { HeaderMap } from "../../assembly/headers";
import { closeStream, continueStream, sendLocalResponse } from "../../assembly/http";
import { HeaderPair } from "../../assembly/pairs";
import { lastStatus, record, Status } from "../../assembly/status";
import { BufferType, MapType, StreamType } from "../../assembly/types";
import {
  hex,
  hostAddHeader,
  hostBufferContent,
  hostSetBufferText,
  hostFailNext,
  hostLastArgument,
  hostLastBytes,
  hostLastText,
  hostSetMapAvailable,
  hostMapSerialized,
  hostReset,
} from "./host-controls";

export { malloc } from "../../assembly/callbacks/lifecycle";

const request = new HeaderMap(MapType.HttpRequestHeaders);
const body = new HostBuffer(BufferType.HttpRequestBody);
const config = new HostBuffer(BufferType.PluginConfiguration);

describe("Status and lastStatus", () => {
  it("has Envoy's numbers", () => {
    expect<i32>(Status.Ok).toBe(0);
    expect<i32>(Status.NotFound).toBe(1);
    expect<i32>(Status.BadArgument).toBe(2);
    expect<i32>(Status.SerializationFailure).toBe(3);
    expect<i32>(Status.ParseFailure).toBe(4);
    expect<i32>(Status.InvalidMemoryAccess).toBe(6);
    expect<i32>(Status.Empty).toBe(7);
    expect<i32>(Status.CasMismatch).toBe(8);
    expect<i32>(Status.InternalFailure).toBe(10);
    expect<i32>(Status.BrokenConnection).toBe(11);
    expect<i32>(Status.Unimplemented).toBe(12);
  });

  it("record returns the status and remembers it", () => {
    expect(record(7)).toBe(Status.Empty);
    expect(lastStatus()).toBe(Status.Empty);
    expect(record(0)).toBe(Status.Ok);
    expect(lastStatus()).toBe(Status.Ok);
  });
});

describe("HeaderMap statuses", () => {
  beforeEach(() => hostReset());

  it("get: a present value, Ok", () => {
    hostAddHeader(MapType.HttpRequestHeaders, "x-a", "1");
    expect(request.get("X-A")).toBe("1");
    expect(lastStatus()).toBe(Status.Ok);
    expect(hostLastText("proxy_get_header_map_value")).toBe("X-A");
  });

  it("get: a missing name is null with NotFound (not \"\")", () => {
    expect(request.get("x-missing")).toBeNull();
    expect(lastStatus()).toBe(Status.NotFound);
    expect(request.getBytes("x-missing")).toBeNull();
    expect(lastStatus()).toBe(Status.NotFound);
    expect(request.has("x-missing")).toBe(false);
  });

  it("get: an empty value is \"\" with Ok (not null)", () => {
    hostAddHeader(MapType.HttpRequestHeaders, "x-empty", "");
    expect(request.get("x-empty")).toBe("");
    expect(lastStatus()).toBe(Status.Ok);
    expect(request.has("x-empty")).toBe(true);
    expect(request.getBytes("x-empty")!.byteLength).toBe(0);
  });

  it("get: out of phase is null with BadArgument", () => {
    hostAddHeader(MapType.HttpRequestHeaders, "x-a", "1");
    hostSetMapAvailable(MapType.HttpRequestHeaders, false);
    expect(request.get("x-a")).toBeNull();
    expect(lastStatus()).toBe(Status.BadArgument);
    expect(request.getBytes("x-a")).toBeNull();
    expect(lastStatus()).toBe(Status.BadArgument);
  });

  it("get: a non-ASCII value round-trips", () => {
    hostAddHeader(MapType.HttpRequestHeaders, "x-name", "Zoë 😀");
    expect(request.get("x-name")).toBe("Zoë 😀");
  });

  it("get: an unknown map type is BadArgument", () => {
    expect(new HeaderMap(<MapType>8).get("a")).toBeNull();
    expect(lastStatus()).toBe(Status.BadArgument);
    expect(new HeaderMap(<MapType>8).getPairs().length).toBe(0);
    expect(lastStatus()).toBe(Status.BadArgument);
  });

  it("get: other statuses pass through", () => {
    hostAddHeader(MapType.HttpRequestHeaders, "x-a", "1");
    hostFailNext("proxy_get_header_map_value", Status.InvalidMemoryAccess);
    expect(request.get("x-a")).toBeNull();
    expect(lastStatus()).toBe(Status.InvalidMemoryAccess);
    expect(request.get("x-a")).toBe("1");
    expect(lastStatus()).toBe(Status.Ok);
  });

  it("getPairs: out of phase is an empty list with Ok (Envoy answers empty)", () => {
    hostAddHeader(MapType.HttpRequestHeaders, "x-a", "1");
    hostSetMapAvailable(MapType.HttpRequestHeaders, false);
    expect(request.getPairs().length).toBe(0);
    expect(lastStatus()).toBe(Status.Ok);
    expect(request.getPairsBytes()!.byteLength).toBe(0);
  });

  it("getPairs: a refused call is an empty list, getPairsBytes null", () => {
    hostFailNext("proxy_get_header_map_pairs", Status.BadArgument);
    expect(request.getPairs().length).toBe(0);
    expect(lastStatus()).toBe(Status.BadArgument);
    hostFailNext("proxy_get_header_map_pairs", Status.BadArgument);
    expect(request.getPairsBytes()).toBeNull();
  });

  it("getAll: every value, names compared case-insensitively", () => {
    hostAddHeader(MapType.HttpRequestHeaders, "set-cookie", "a=1");
    hostAddHeader(MapType.HttpRequestHeaders, "x-other", "no");
    hostAddHeader(MapType.HttpRequestHeaders, "Set-Cookie", "b=2");
    const values = request.getAll("SET-COOKIE");
    expect(values.length).toBe(2);
    expect(values[0]).toBe("a=1");
    expect(values[1]).toBe("b=2");
    expect(request.getAll("x-none").length).toBe(0);
  });

  it("writes in phase: Ok, and the host sees lower-cased names", () => {
    expect(request.add("X-Added", "1")).toBe(Status.Ok);
    expect(request.add("x-added", "2")).toBe(Status.Ok);
    expect(request.replace("x-replaced", "r")).toBe(Status.Ok);
    expect(request.replace("X-Added", "3")).toBe(Status.Ok);
    expect(request.remove("x-replaced")).toBe(Status.Ok);
    expect(request.remove("x-never-there")).toBe(Status.Ok);
    expect(request.addBytes("x-bytes", String.UTF8.encode("b"))).toBe(Status.Ok);
    expect(request.replaceBytes("x-bytes", String.UTF8.encode("c"))).toBe(Status.Ok);
    expect(hex(hostMapSerialized(MapType.HttpRequestHeaders))).toBe(
      hex(serialized([new HeaderPair("x-added", "3"), new HeaderPair("x-bytes", "c")])),
    );
    expect(request.byteSize()).toBe(7 + 1 + 7 + 1);
  });

  it("writes out of phase: BadArgument returned and recorded", () => {
    hostSetMapAvailable(MapType.HttpRequestHeaders, false);
    expect(request.add("a", "1")).toBe(Status.BadArgument);
    expect(request.replace("a", "1")).toBe(Status.BadArgument);
    expect(request.remove("a")).toBe(Status.BadArgument);
    expect(request.setPairs([new HeaderPair("a", "1")])).toBe(Status.BadArgument);
    expect(request.setPairsBytes(serialized([]))).toBe(Status.BadArgument);
    expect(lastStatus()).toBe(Status.BadArgument);
    expect(request.byteSize()).toBe(-1);
    expect(lastStatus()).toBe(Status.BadArgument);
  });

  it("setPairsBytes: a malformed buffer clears the map (host semantics), Ok", () => {
    hostAddHeader(MapType.HttpRequestHeaders, "x-a", "1");
    expect(request.setPairsBytes(String.UTF8.encode("garbage"))).toBe(Status.Ok);
    expect(request.getPairs().length).toBe(0);
  });
});

describe("HostBuffer statuses", () => {
  beforeEach(() => hostReset());

  it("reads an available buffer, clamped like Envoy", () => {
    hostSetBufferText(BufferType.HttpRequestBody, "0123456789");
    expect(body.getString()).toBe("0123456789");
    expect(body.getString(3, 4)).toBe("3456");
    expect(body.getString(8, 100)).toBe("89");
    expect(body.getString(20)).toBe("");
    expect(lastStatus()).toBe(Status.Ok);
    expect(body.length()).toBe(10);
  });

  it("an unavailable buffer is null / -1 with NotFound", () => {
    expect(config.getString()).toBeNull();
    expect(lastStatus()).toBe(Status.NotFound);
    expect(config.getBytes()).toBeNull();
    expect(lastStatus()).toBe(Status.NotFound);
    expect(config.length()).toBe(-1);
    expect(lastStatus()).toBe(Status.NotFound);
  });

  it("an unknown buffer type is BadArgument", () => {
    const unknown = new HostBuffer(<BufferType>9);
    expect(unknown.getBytes()).toBeNull();
    expect(lastStatus()).toBe(Status.BadArgument);
    expect(unknown.appendString("x")).toBe(Status.BadArgument);
  });

  it("writes replace, prepend and append with Envoy's (start, size)", () => {
    hostSetBufferText(BufferType.HttpRequestBody, "middle", true);
    expect(body.prependString("<")).toBe(Status.Ok);
    expect(hostLastArgument("proxy_set_buffer_bytes", 1)).toBe(0);
    expect(hostLastArgument("proxy_set_buffer_bytes", 2)).toBe(0);
    expect(body.appendString(">")).toBe(Status.Ok);
    expect(hostBufferContent(BufferType.HttpRequestBody)).toBe("<middle>");
    expect(body.append(String.UTF8.encode("!"))).toBe(Status.Ok);
    expect(body.prepend(String.UTF8.encode("¡"))).toBe(Status.Ok);
    expect(hostBufferContent(BufferType.HttpRequestBody)).toBe("¡<middle>!");
    expect(body.replaceString("new")).toBe(Status.Ok);
    expect(hostBufferContent(BufferType.HttpRequestBody)).toBe("new");
    expect(body.replace(String.UTF8.encode("newer"))).toBe(Status.Ok);
    expect(hostBufferContent(BufferType.HttpRequestBody)).toBe("newer");
    expect(hex(hostLastBytes("proxy_set_buffer_bytes"))).toBe("6e 65 77 65 72");
  });

  it("writing into the middle is BadArgument", () => {
    hostSetBufferText(BufferType.HttpRequestBody, "0123456789", true);
    expect(body.set(3, 2, String.UTF8.encode("x"))).toBe(Status.BadArgument);
    expect(lastStatus()).toBe(Status.BadArgument);
    expect(hostBufferContent(BufferType.HttpRequestBody)).toBe("0123456789");
  });

  it("writing a read-only buffer, or a body outside its callback, is BadArgument; a missing one NotFound", () => {
    hostSetBufferText(BufferType.PluginConfiguration, "{}");
    expect(config.replaceString("x")).toBe(Status.BadArgument);
    // Envoy's Buffer wrapper around no body: empty and unwritable (context.cc Buffer::copyFrom).
    expect(new HostBuffer(BufferType.HttpResponseBody).appendString("x")).toBe(Status.BadArgument);
    expect(new HostBuffer(BufferType.HttpCallResponseBody).appendString("x")).toBe(Status.NotFound);
  });
});

describe("stream control statuses", () => {
  beforeEach(() => hostReset());

  it("continueStream / closeStream return the host's answer", () => {
    expect(continueStream(StreamType.HttpRequest)).toBe(Status.Ok);
    expect(continueStream(StreamType.Upstream)).toBe(Status.Unimplemented);
    expect(lastStatus()).toBe(Status.Unimplemented);
    expect(continueStream(<StreamType>4)).toBe(Status.BadArgument);
    expect(closeStream(<StreamType>4)).toBe(Status.BadArgument);
    expect(closeStream(StreamType.Downstream)).toBe(Status.Ok);
  });

  it("sendLocalResponse passes details, body and serialized headers", () => {
    expect(sendLocalResponse(403, "dénied", [new HeaderPair("a", "1"), new HeaderPair("b", "22")], -1, "no way")).toBe(Status.Ok);
    expect(hostLastArgument("proxy_send_local_response", 0)).toBe(403);
    expect(hostLastArgument("proxy_send_local_response", 7)).toBe(-1);
    expect(hostLastText("proxy_send_local_response", 0)).toBe("no way");
    expect(hostLastText("proxy_send_local_response", 1)).toBe("dénied");
    expect(hex(hostLastBytes("proxy_send_local_response", 2))).toBe(
      "02 00 00 00 01 00 00 00 01 00 00 00 01 00 00 00 02 00 00 00 61 00 31 00 62 00 32 32 00",
    );
    hostFailNext("proxy_send_local_response", Status.InvalidMemoryAccess);
    expect(sendLocalResponse(500)).toBe(Status.InvalidMemoryAccess);
    expect(hostLastBytes("proxy_send_local_response", 2)!.byteLength).toBe(0);
  });
});

function serialized(pairs: HeaderPair[]): ArrayBuffer {
  let size = 4;
  for (let i = 0; i < pairs.length; i++) size += 10 + String.UTF8.byteLength(pairs[i].name) + String.UTF8.byteLength(pairs[i].value);
  const out = new ArrayBuffer(size);
  const base = changetype<usize>(out);
  store<u32>(base, pairs.length);
  let data = base + 4 + 8 * pairs.length;
  for (let i = 0; i < pairs.length; i++) {
    const name = String.UTF8.encode(pairs[i].name);
    const value = String.UTF8.encode(pairs[i].value);
    store<u32>(base + 4 + 8 * i, name.byteLength);
    store<u32>(base + 8 + 8 * i, value.byteLength);
    memory.copy(data, changetype<usize>(name), name.byteLength);
    data += name.byteLength + 1;
    memory.copy(data, changetype<usize>(value), value.byteLength);
    data += value.byteLength + 1;
  }
  return out;
}
