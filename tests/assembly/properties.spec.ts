// Property paths on the wire are segments joined by NUL, no trailing NUL (docs/abi.md §1.4, §6.1);
// values are raw bytes, 8-byte little-endian integers, 1-byte bools or pairs maps.
import {
  getProperty,
  getPropertyBool,
  getPropertyInt64,
  getPropertyMap,
  getPropertyString,
  getPropertyTimestampNanoseconds,
  pluginRootId,
  serializePropertyPath,
  setProperty,
  setPropertyString,
} from "../../assembly/properties";
import { HeaderPair, serializePairs } from "../../assembly/pairs";
import { lastStatus, Status } from "../../assembly/status";
import {
  bytesOf,
  hex,
  hostFailNext,
  hostMallocCount,
  hostActForRoot,
  hostLastBytes,
  hostLiveAllocations,
  hostSetProperty,
  hostStoredProperty,
  hostReset,
} from "./host-controls";

export { malloc } from "../../assembly/callbacks/lifecycle";

/** The wire path built independently of the SDK: UTF-8 segments with a NUL between them. */
function wire(path: string[]): ArrayBuffer {
  let joined = "";
  for (let i = 0; i < path.length; i++) joined += (i > 0 ? "\0" : "") + path[i];
  return String.UTF8.encode(joined);
}

function int64Bytes(value: i64): ArrayBuffer {
  const bytes = new ArrayBuffer(8);
  store<i64>(changetype<usize>(bytes), value);
  return bytes;
}

describe("serializePropertyPath", () => {
  it("joins segments with NUL and adds no trailing NUL", () => {
    expect(hex(serializePropertyPath(["request", "headers", "x-id"]))).toBe(
      "72 65 71 75 65 73 74 00 68 65 61 64 65 72 73 00 78 2d 69 64",
    );
  });

  it("writes one segment as is, no segments as nothing", () => {
    expect(hex(serializePropertyPath(["plugin_root_id"]))).toBe(hex(String.UTF8.encode("plugin_root_id")));
    expect(serializePropertyPath([]).byteLength).toBe(0);
  });

  it("keeps empty segments", () => {
    expect(hex(serializePropertyPath(["a", "", "b"]))).toBe("61 00 00 62");
    expect(hex(serializePropertyPath(["a", ""]))).toBe("61 00");
    expect(hex(serializePropertyPath([""]))).toBe("");
  });

  it("writes non-ASCII segments as UTF-8", () => {
    expect(hex(serializePropertyPath(["metadata", "ключ", "😀"]))).toBe(
      "6d 65 74 61 64 61 74 61 00 d0 ba d0 bb d1 8e d1 87 00 f0 9f 98 80",
    );
    expect(hex(serializePropertyPath(["metadata", "ключ", "😀"]))).toBe(hex(wire(["metadata", "ключ", "😀"])));
  });
});

describe("getProperty", () => {
  beforeEach(() => hostReset());

  it("sends the wire path and reads the raw value", () => {
    hostSetProperty(wire(["request", "path"]), String.UTF8.encode("/a?b=ü"));
    expect(getPropertyString(["request", "path"])).toBe("/a?b=ü");
    expect(lastStatus()).toBe(Status.Ok);
    expect(hex(hostLastBytes("proxy_get_property"))).toBe(hex(wire(["request", "path"])));
    expect(hex(getProperty(["request", "path"]))).toBe(hex(String.UTF8.encode("/a?b=ü")));
    expect(hostLiveAllocations()).toBe(0);
  });

  it("finds non-ASCII paths", () => {
    hostSetProperty(wire(["metadata", "ключ"]), String.UTF8.encode("v"));
    expect(getPropertyString(["metadata", "ключ"])).toBe("v");
  });

  it("is null with NotFound when missing (not \"\")", () => {
    expect(getPropertyString(["no", "such"])).toBeNull();
    expect(lastStatus()).toBe(Status.NotFound);
    expect(getProperty(["no", "such"])).toBeNull();
    expect(getPropertyMap(["no", "such"])).toBeNull();
    expect(lastStatus()).toBe(Status.NotFound);
  });

  it("is \"\" with Ok when present but empty, without a host block", () => {
    hostSetProperty(wire(["empty"]), new ArrayBuffer(0));
    expect(getPropertyString(["empty"])).toBe("");
    expect(lastStatus()).toBe(Status.Ok);
    expect(getProperty(["empty"])!.byteLength).toBe(0);
    expect(hostMallocCount()).toBe(0);
  });

  it("passes other statuses through", () => {
    hostSetProperty(wire(["x"]), String.UTF8.encode("v"));
    hostFailNext("proxy_get_property", Status.SerializationFailure);
    expect(getPropertyString(["x"])).toBeNull();
    expect(lastStatus()).toBe(Status.SerializationFailure);
  });

  it("reads 8-byte little-endian integers, else the fallback", () => {
    hostSetProperty(wire(["source", "port"]), int64Bytes(8080));
    hostSetProperty(wire(["negative"]), int64Bytes(-2));
    hostSetProperty(wire(["request", "time"]), int64Bytes(1700000000123456789));
    hostSetProperty(wire(["short"]), bytesOf([1, 2, 3]));
    expect(getPropertyInt64(["source", "port"])).toBe(8080);
    expect(getPropertyInt64(["negative"])).toBe(-2);
    expect(getPropertyTimestampNanoseconds(["request", "time"])).toBe(1700000000123456789);
    expect(getPropertyInt64(["short"], 42)).toBe(42);
    expect(getPropertyInt64(["missing"], 7)).toBe(7);
    expect(lastStatus()).toBe(Status.NotFound);
  });

  it("reads 1-byte bools, else the fallback", () => {
    hostSetProperty(wire(["connection", "mtls"]), bytesOf([1]));
    hostSetProperty(wire(["off"]), bytesOf([0]));
    hostSetProperty(wire(["wide"]), bytesOf([1, 0]));
    expect(getPropertyBool(["connection", "mtls"])).toBe(true);
    expect(getPropertyBool(["off"], true)).toBe(false);
    expect(getPropertyBool(["wide"], false)).toBe(false);
    expect(getPropertyBool(["missing"], true)).toBe(true);
  });

  it("reads maps in the pairs format", () => {
    hostSetProperty(wire(["request", "headers"]), serializePairs([new HeaderPair(":path", "/"), new HeaderPair("x-ü", "ö")]));
    const map = getPropertyMap(["request", "headers"])!;
    expect(map.length).toBe(2);
    expect(map[1].name).toBe("x-ü");
    expect(map[1].value).toBe("ö");
    expect(hostLiveAllocations()).toBe(0);
  });

  it("pluginRootId is the plugin_root_id property, \"\" when missing", () => {
    expect(pluginRootId()).toBe("");
    hostSetProperty(wire(["plugin_root_id"]), String.UTF8.encode("my_root"));
    expect(pluginRootId()).toBe("my_root");
  });
});

describe("setProperty", () => {
  beforeEach(() => hostReset());

  it("sends the wire path and the value", () => {
    expect(setPropertyString(["filter", "ключ"], "välue")).toBe(Status.Ok);
    expect(hex(hostLastBytes("proxy_set_property", 0))).toBe(hex(wire(["filter", "ключ"])));
    expect(hex(hostLastBytes("proxy_set_property", 1))).toBe(hex(String.UTF8.encode("välue")));
    expect(setProperty(["raw"], bytesOf([0, 255]))).toBe(Status.Ok);
    expect(hex(hostStoredProperty(wire(["raw"])))).toBe("00 ff");
  });

  it("is NotFound on a root context (no stream info), recorded", () => {
    hostActForRoot(true);
    expect(setPropertyString(["a"], "b")).toBe(Status.NotFound);
    expect(lastStatus()).toBe(Status.NotFound);
    expect(setProperty(["a"], new ArrayBuffer(0))).toBe(Status.NotFound);
    expect(hostStoredProperty(wire(["a"]))).toBeNull();
  });
});
