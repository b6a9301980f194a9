// json.ts: the configuration reader. Whole documents are validated; values are read in place and
// decoded when asked for; errors name the problem and its offset (in bytes of the UTF-8 text).
import { JsonObject, lastJsonError, looksLikeJson, parseJsonObject, parseJsonObjectBytes } from "../../assembly/json";

function parse(json: string): JsonObject {
  const object = parseJsonObject(json);
  expect(object).not.toBeNull(json + " -> " + lastJsonError());
  return changetype<JsonObject>(object);
}

function error(json: string): string {
  expect(parseJsonObject(json)).toBeNull(json);
  return lastJsonError();
}

function nested(depth: i32): string {
  return "{\"a\":" + "[".repeat(depth) + "]".repeat(depth) + "}";
}

describe("parseJsonObject: valid documents", () => {
  it("reads members as raw JSON text, in document order", () => {
    const object = parse(" {\"s\": \"x\", \"n\" : -1.5e3,\"o\":{\"a\":[1, {}]},\"t\":true,\"f\":false,\"z\":null, \"e\":[]} ");
    expect(object.getRaw("s")).toBe("\"x\"");
    expect(object.getRaw("n")).toBe("-1.5e3");
    expect(object.getRaw("o")).toBe("{\"a\":[1, {}]}");
    expect(object.getRaw("t")).toBe("true");
    expect(object.getRaw("f")).toBe("false");
    expect(object.getRaw("z")).toBe("null");
    expect(object.getRaw("e")).toBe("[]");
    expect(object.keys().join(",")).toBe("s,n,o,t,f,z,e");
    expect(lastJsonError()).toBe("");
  });

  it("reads an empty object, with any JSON whitespace", () => {
    expect(parse("{}").keys().length).toBe(0);
    expect(parse(" \t\r\n{ \t\r\n} \t\r\n").keys().length).toBe(0);
  });

  it("gives null for absent members and for non-strings in getString", () => {
    const object = parse("{\"n\":1,\"s\":\"v\"}");
    expect(object.getRaw("missing")).toBeNull();
    expect(object.getString("missing")).toBeNull();
    expect(object.getString("n")).toBeNull();
    expect(object.has("n")).toBe(true);
    expect(object.has("N")).toBe(false);
    expect(object.getString("s")).toBe("v");
  });

  it("lets the last of repeated keys win", () => {
    const object = parse("{\"k\":\"first\",\"k\":\"second\"}");
    expect(object.getString("k")).toBe("second");
  });

  it("decodes every escape", () => {
    const object = parse("{\"e\":\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t u\\u00e9\\u20AC\",\"k\\u0041\":1}");
    expect(object.getString("e")).toBe("q\" b\\ s/ \b\f\n\r\t ué€");
    expect(object.has("kA")).toBe(true);
  });

  it("decodes escaped surrogate pairs into one code point", () => {
    expect(parse("{\"e\":\"\\ud83d\\ude00\"}").getString("e")).toBe("😀");
  });

  it("keeps non-ASCII text and empty strings", () => {
    const object = parse("{\"ключ\":\"värde 😀\",\"\":\"\"}");
    expect(object.getString("ключ")).toBe("värde 😀");
    expect(object.getString("")).toBe("");
  });

  it("accepts JSON numbers", () => {
    const numbers = ["0", "-0", "7", "-12", "1.25", "0.5", "1e3", "1E+3", "2e-3", "-1.5E-10", "123456789012345678901234567890"];
    for (let i = 0; i < numbers.length; i++) {
      expect(parse("{\"n\":" + numbers[i] + "}").getRaw("n")).toBe(numbers[i]);
    }
  });

  it("accepts nesting up to 64 levels below the top object", () => {
    expect(parseJsonObject(nested(64))).not.toBeNull(lastJsonError());
  });
});

describe("parseJsonObject: invalid documents", () => {
  it("names the unexpected character and its offset", () => {
    expect(error("{\"a\":1,}")).toBe("unexpected character '}' at offset 7");
    expect(error("{\"a\" 1}")).toBe("unexpected character '1' at offset 5");
    expect(error("{a:1}")).toBe("unexpected character 'a' at offset 1");
    expect(error("{\"a\":1} x")).toBe("unexpected character 'x' at offset 8");
    expect(error("{\"a\":tru}")).toBe("unexpected character 't' at offset 5");
    expect(error("{\"a\":[1 2]}")).toBe("unexpected character '2' at offset 8");
  });

  it("says where the document ends too early", () => {
    expect(error("")).toBe("unexpected end");
    expect(error("   ")).toBe("unexpected end");
    expect(error("{")).toBe("unexpected end");
    expect(error("{\"a\":")).toBe("unexpected end");
    expect(error("{\"a\":\"open")).toBe("unexpected end");
    expect(error("{\"a\":[1,")).toBe("unexpected end");
  });

  it("wants an object at the top", () => {
    expect(error("[1]")).toBe("unexpected character '[' at offset 0");
    expect(error("\"s\"")).toBe("unexpected character '\"' at offset 0");
    expect(error("42")).toBe("unexpected character '4' at offset 0");
  });

  it("rejects numbers JSON does not allow", () => {
    expect(error("{\"n\":01}")).toBe("unexpected character '1' at offset 6");
    expect(error("{\"n\":1.}")).toBe("unexpected character '}' at offset 7");
    expect(error("{\"n\":.5}")).toBe("unexpected character '.' at offset 5");
    expect(error("{\"n\":-}")).toBe("unexpected character '}' at offset 6");
    expect(error("{\"n\":1e}")).toBe("unexpected character '}' at offset 7");
    expect(error("{\"n\":+1}")).toBe("unexpected character '+' at offset 5");
    expect(error("{\"n\":0x1}")).toBe("unexpected character 'x' at offset 6");
  });

  it("rejects bad escapes and raw control characters in strings", () => {
    expect(error("{\"s\":\"\\x\"}")).toBe("unexpected character 'x' at offset 7");
    expect(error("{\"s\":\"\\u12g4\"}")).toBe("unexpected character 'g' at offset 10");
    expect(error("{\"s\":\"\\u12")).toBe("unexpected end");
    expect(error("{\"s\":\"a\nb\"}")).toBe("unexpected character '\n' at offset 7");
  });

  it("rejects other literals and case variants", () => {
    expect(parseJsonObject("{\"a\":True}")).toBeNull();
    expect(parseJsonObject("{\"a\":nul}")).toBeNull();
    expect(parseJsonObject("{\"a\":undefined}")).toBeNull();
    expect(parseJsonObject("{\"a\":falsey}")).toBeNull();
  });

  it("gives byte offsets of the UTF-8 text and whole non-ASCII characters", () => {
    expect(error("{\"ключ\":x}")).toBe("unexpected character 'x' at offset 12");
    expect(error("{\"a\":é}")).toBe("unexpected character 'é' at offset 5");
    expect(error("{\"a\":1😀}")).toBe("unexpected character '😀' at offset 6");
  });

  it("stops deep nesting without exhausting the stack", () => {
    expect(parseJsonObject(nested(65))).toBeNull(); // the 65th "[" (offset 5 + 64) is one too deep
    expect(lastJsonError()).toBe("unexpected character '[' at offset 69");
    expect(parseJsonObject(nested(100000))).toBeNull();
  });

  it("forgets the previous error after a good document", () => {
    expect(parseJsonObject("{")).toBeNull();
    expect(lastJsonError()).not.toBe("");
    parse("{}");
    expect(lastJsonError()).toBe("");
  });
});

describe("looksLikeJson", () => {
  it("is true for objects and arrays after whitespace, false otherwise", () => {
    expect(looksLikeJson("{")).toBe(true);
    expect(looksLikeJson(" \n[1]")).toBe(true);
    expect(looksLikeJson("tomorrow")).toBe(false);
    expect(looksLikeJson("\"s\"")).toBe(false);
    expect(looksLikeJson("")).toBe(false);
  });
});

describe("reading nested values in place", () => {
  it("gives arrays and objects of a parsed document without copying them first", () => {
    const object = parse(" {\"list\": [ {\"from\": \"a\\u00e9\", \"to\": \"\"} , \"s\", 7, [1, [2]], {\"x\": {\"y\": \"}\"}}, null ], \"o\": {\"k\": [\"v\"]}, \"n\": 1} ");
    const list = object.getArray("list")!;
    expect(list.length).toBe(6);
    expect(list.getRaw(0)).toBe("{\"from\": \"a\\u00e9\", \"to\": \"\"}");
    expect(list.getRaw(1)).toBe("\"s\"");
    expect(list.getRaw(3)).toBe("[1, [2]]");
    expect(list.getRaw(4)).toBe("{\"x\": {\"y\": \"}\"}}");
    expect(list.getRaw(5)).toBe("null");
    expect(list.getRaw(6)).toBeNull();
    expect(list.getRaw(-1)).toBeNull();
    expect(list.getString(1)).toBe("s");
    expect(list.getString(2)).toBeNull();
    const first = list.getObject(0)!;
    expect(first.getString("from")).toBe("aé");
    expect(first.keys().join(",")).toBe("from,to");
    const bytes = first.getStringBytes("from")!;
    expect(bytes.byteLength).toBe(3);
    expect(load<u8>(changetype<usize>(bytes) + 1)).toBe(0xc3);
    expect(first.getStringBytes("to")!.byteLength).toBe(0);
    expect(first.getStringBytes("missing")).toBeNull();
    expect(list.getObject(1)).toBeNull();
    expect(list.getObject(4)!.getObject("x")!.getString("y")).toBe("}");
    expect(object.getObject("o")!.getArray("k")!.getString(0)).toBe("v");
    expect(object.getArray("o")).toBeNull();
    expect(object.getObject("list")).toBeNull();
    expect(object.getArray("n")).toBeNull();
    expect(object.getArray("missing")).toBeNull();
  });

  it("reads empty arrays and objects, and the JsonMember list from the last member", () => {
    const object = parse("{\"a\": [], \"b\": {}, \"c\": [ ]}");
    expect(object.getArray("a")!.length).toBe(0);
    expect(object.getArray("c")!.length).toBe(0);
    expect(object.getObject("b")!.keys().length).toBe(0);
    const last = object.last!;
    expect(last.key).toBe("c");
    expect(last.value).toBe("[ ]");
    expect(last.next!.key).toBe("b");
    expect(last.next!.next!.value).toBe("[]");
    expect(last.next!.next!.next).toBeNull();
  });

  it("readObject moves one JsonObject over the object elements of an array", () => {
    const object = parse("{\"l\": [{\"from\": \"a\", \"to\": \"b\"}, \"s\", {\"from\": \"c\"}, [{}], {}]}");
    const list = object.getArray("l")!;
    const item = new JsonObject();
    expect(list.readObject(0, item)).toBe(true);
    expect(item.getString("from")).toBe("a");
    expect(item.getString("to")).toBe("b");
    expect(list.readObject(1, item)).toBe(false); // a string: item stays on element 0
    expect(item.getString("to")).toBe("b");
    expect(list.readObject(3, item)).toBe(false);
    expect(list.readObject(5, item)).toBe(false);
    expect(list.readObject(-1, item)).toBe(false);
    expect(list.readObject(2, item)).toBe(true);
    expect(item.getString("from")).toBe("c");
    expect(item.has("to")).toBe(false);
    expect(item.keys().join(",")).toBe("from");
    expect(list.readObject(4, item)).toBe(true);
    expect(item.keys().length).toBe(0);
    expect(list.readObject(0, item)).toBe(true); // backwards too
    expect(String.UTF8.decode(item.getStringBytes("from")!)).toBe("a");
    expect(list.getObject(2)!.getString("from")).toBe("c"); // the document itself is untouched
    expect(item.getString("from")).toBe("a");
  });

  it("copyStringBytes gathers strings into one buffer without allocating", () => {
    const object = parse("{\"a\": \"xy\", \"e\": \"\\u00e9\\n\", \"empty\": \"\", \"n\": 5, \"o\": {}}");
    const into = new ArrayBuffer(8);
    expect(object.copyStringBytes("a", into, 0)).toBe(2);
    expect(object.copyStringBytes("e", into, 2)).toBe(3); // é is two bytes, \n one
    expect(load<u8>(changetype<usize>(into))).toBe(0x78);
    expect(load<u8>(changetype<usize>(into) + 1)).toBe(0x79);
    expect(load<u8>(changetype<usize>(into) + 2)).toBe(0xc3);
    expect(load<u8>(changetype<usize>(into) + 3)).toBe(0xa9);
    expect(load<u8>(changetype<usize>(into) + 4)).toBe(0x0a);
    expect(object.copyStringBytes("empty", into, 8)).toBe(0);
    expect(object.copyStringBytes("a", into, 6)).toBe(2);
    expect(object.copyStringBytes("a", into, 7)).toBe(-1); // does not fit
    expect(object.copyStringBytes("a", into, 9)).toBe(-1);
    expect(object.copyStringBytes("a", into, -1)).toBe(-1);
    expect(object.copyStringBytes("n", into, 0)).toBe(-1);
    expect(object.copyStringBytes("o", into, 0)).toBe(-1);
    expect(object.copyStringBytes("missing", into, 0)).toBe(-1);
    expect(load<u8>(changetype<usize>(into) + 5)).toBe(0); // nothing written by the refusals
    expect(load<u8>(changetype<usize>(into) + 6)).toBe(0x78);
  });

  it("reads array elements in any order", () => {
    const list = parse("{\"l\": [\"a\", [\"b\", \"c\"], \"d\"]}").getArray("l")!;
    expect(list.getString(2)).toBe("d");
    expect(list.getString(0)).toBe("a");
    expect(list.getArray(1)!.getString(1)).toBe("c");
    expect(list.getArray(1)!.length).toBe(2);
    expect(list.getArray(0)).toBeNull();
    expect(String.UTF8.decode(list.getStringBytes(2)!)).toBe("d");
    expect(list.getStringBytes(1)).toBeNull();
    expect(list.getStringBytes(3)).toBeNull();
  });

  it("decodes escaped surrogate pairs into four bytes of UTF-8", () => {
    const bytes = parse("{\"e\":\"x\\ud83d\\ude00\"}").getStringBytes("e")!;
    expect(bytes.byteLength).toBe(5);
    expect(load<u32>(changetype<usize>(bytes) + 1)).toBe(0x80989ff0);
  });

  it("finds members whose names are escaped, and keeps names that only start alike apart", () => {
    const object = parse("{\"a\\\"b\":1,\"ab\":2,\"abc\":3,\"\\u00e9\":4}");
    expect(object.getRaw("a\"b")).toBe("1");
    expect(object.getRaw("ab")).toBe("2");
    expect(object.getRaw("abc")).toBe("3");
    expect(object.getRaw("é")).toBe("4");
    expect(object.getRaw("a")).toBeNull();
    expect(parse("{\"é\":1}").getRaw("\u00c3\u00a9")).toBeNull(); // the UTF-8 bytes of é, as characters
    expect(parse("{\"é\":1}").getRaw("é")).toBe("1");
    expect(object.keys().join(",")).toBe("a\"b,ab,abc,é");
  });

  it("finds a long key after an escaped name (decoding a name does not lose the key)", () => {
    const long = "k".repeat(100);
    const object = parse("{\"\\u0041\":1,\"" + long + "\":2}");
    expect(object.getRaw(long)).toBe("2");
    expect(object.getRaw("A")).toBe("1");
  });

  it("new JsonObject() is empty", () => {
    const object = new JsonObject();
    expect(object.keys().length).toBe(0);
    expect(object.getString("a")).toBeNull();
    expect(object.last).toBeNull();
  });

  it("reads large documents (the tape grows while parsing)", () => {
    const elements = new Array<string>();
    for (let i = 0; i < 3000; i++) elements.push("{\"from\":\"w" + i.toString() + "\",\"to\":[" + i.toString() + "]}");
    const list = parse("{\"r\":[" + elements.join(",") + "],\"after\":true}").getArray("r")!;
    expect(list.length).toBe(3000);
    expect(list.getObject(2999)!.getString("from")).toBe("w2999");
    expect(list.getObject(1234)!.getArray("to")!.getRaw(0)).toBe("1234");
  });

  it("keys() of a large object keep document order", () => {
    const members = new Array<string>();
    for (let i = 0; i < 500; i++) members.push("\"k" + i.toString() + "\":" + i.toString());
    const keys = parse("{" + members.join(",") + "}").keys();
    expect(keys.length).toBe(500);
    expect(keys[0]).toBe("k0");
    expect(keys[499]).toBe("k499");
  });
});

describe("parseJsonObjectBytes", () => {
  it("parses UTF-8 bytes and keeps its own copy of them", () => {
    const bytes = String.UTF8.encode("{\"k\":\"värde\",\"n\":[1]}");
    const object = parseJsonObjectBytes(bytes)!;
    store<u8>(changetype<usize>(bytes) + 6, 0x58); // the caller reuses its buffer
    expect(object.getString("k")).toBe("värde");
    expect(object.getArray("n")!.getRaw(0)).toBe("1");
  });

  it("reports problems like parseJsonObject", () => {
    expect(parseJsonObjectBytes(String.UTF8.encode("{\"a\":}"))).toBeNull();
    expect(lastJsonError()).toBe("unexpected character '}' at offset 5");
    expect(parseJsonObjectBytes(new ArrayBuffer(0))).toBeNull();
    expect(lastJsonError()).toBe("unexpected end");
  });
});
