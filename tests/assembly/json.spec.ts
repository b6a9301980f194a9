// json.ts: the configuration reader. Whole documents are validated; members of the top-level object
// are kept as JSON text; errors name the problem and its offset (in UTF-16 units).
import { JsonObject, lastJsonError, looksLikeJson, parseJsonObject } from "../../assembly/json";

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

  it("keys() of a large object keep document order", () => {
    const members = new Array<string>();
    for (let i = 0; i < 500; i++) members.push("\"k" + i.toString() + "\":" + i.toString());
    const keys = parse("{" + members.join(",") + "}").keys();
    expect(keys.length).toBe(500);
    expect(keys[0]).toBe("k0");
    expect(keys[499]).toBe("k499");
  });
});
