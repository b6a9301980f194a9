// A small JSON reader for filter configuration: validates a whole document without allocating and
// records where the members of its top-level object are; a value is decoded or copied only when it is
// asked for, and nested objects and arrays are read in place (getObject, getArray). It walks the UTF-16 units directly (no substring or comparison helpers), which keeps
// modules that use it small.
import { decimal } from "./decimal";
import { reserveScratch } from "./memory";
import { encodeUtf16 } from "./utf8";

/** One member of an object: its name and its value as JSON text (`"yes"`, `5`, `{"a":1}`). */
export class JsonMember {
  constructor(readonly key: string, readonly value: string, readonly next: JsonMember | null) {}
}

/** One member: its name and where its value is in the document (UTF-16 offsets). */
class MemberSpan {
  constructor(readonly key: string, readonly start: u32, readonly end: u32, readonly previous: MemberSpan | null) {}
}

/** The members of a JSON object (for a repeated key the last one wins). */
export class JsonObject {
  /** The last member in document order; `previous` leads towards the first. */
  private lastSpan: MemberSpan | null = null;

  constructor(private readonly text: string = "") {}

  /** The last member named `key`, or null. */
  private find(key: string): MemberSpan | null {
    let span = this.lastSpan;
    while (span !== null && span.key != key) span = span.previous;
    return span;
  }

  private valueText(span: MemberSpan): string {
    return String.UTF16.decodeUnsafe(changetype<usize>(this.text) + (<usize>span.start << 1), <usize>(span.end - span.start) << 1);
  }

  /** The member's JSON text, or null when absent. */
  getRaw(key: string): string | null {
    const span = this.find(key);
    return span !== null ? this.valueText(span) : null;
  }

  has(key: string): bool {
    return this.find(key) !== null;
  }

  /** The member's value when it is a JSON string (decoded), else null. */
  getString(key: string): string | null {
    const span = this.find(key);
    if (span === null) return null;
    begin(this.text, span.start);
    return unit() == QUOTE ? String.UTF16.decodeUnsafe(decoded, readString()) : null;
  }

  /** The member's value when it is a JSON string, as UTF-8 bytes, else null. */
  getStringBytes(key: string): ArrayBuffer | null {
    const span = this.find(key);
    if (span === null) return null;
    begin(this.text, span.start);
    return unit() == QUOTE ? decodedUtf8(readString()) : null;
  }

  /** The member's value when it is an object, read in place (nothing copied), else null. */
  getObject(key: string): JsonObject | null {
    const span = this.find(key);
    return span !== null ? objectAt(this.text, span.start) : null;
  }

  /** The member's value when it is an array, read in place (nothing copied), else null. */
  getArray(key: string): JsonArray | null {
    const span = this.find(key);
    return span !== null ? arrayAt(this.text, span.start) : null;
  }

  /** The spans in document order. */
  private spans(): MemberSpan[] {
    let count = 0;
    let span = this.lastSpan;
    while (span !== null) {
      count++;
      span = span.previous;
    }
    const spans = new Array<MemberSpan>(count);
    span = this.lastSpan;
    while (span !== null) {
      unchecked((spans[--count] = span));
      span = span.previous;
    }
    return spans;
  }

  /** Member names in document order. */
  keys(): string[] {
    const spans = this.spans();
    const keys = new Array<string>(spans.length);
    for (let i = 0; i < spans.length; i++) unchecked((keys[i] = unchecked(spans[i]).key));
    return keys;
  }

  /** The members, decoded, from the last one (follow `next` towards the first); built on each call. */
  get last(): JsonMember | null {
    const spans = this.spans();
    let member: JsonMember | null = null;
    for (let i = 0; i < spans.length; i++) {
      const span = unchecked(spans[i]);
      member = new JsonMember(span.key, this.valueText(span), member);
    }
    return member;
  }

  /** Used by parseJsonObject: records a member; the value's bounds are pointers into `text`. */
  add(key: string, start: usize, end: usize): void {
    const base = changetype<usize>(this.text);
    this.lastSpan = new MemberSpan(key, <u32>(start - base) >> 1, <u32>(end - base) >> 1, this.lastSpan);
  }
}

/** The elements of an array in a parsed document, read in place: nothing is copied until asked for. */
export class JsonArray {
  /** Two UTF-16 offsets into `text` per element: where it starts and where it ends. */
  private readonly spans: u32[] = [];

  constructor(private readonly text: string) {}

  get length(): i32 {
    return this.spans.length >> 1;
  }

  /** The element's JSON text, or null when `index` is out of range. */
  getRaw(index: i32): string | null {
    if (<u32>index >= <u32>this.length) return null;
    const start = unchecked(this.spans[index << 1]);
    return String.UTF16.decodeUnsafe(changetype<usize>(this.text) + (<usize>start << 1), <usize>(unchecked(this.spans[(index << 1) + 1]) - start) << 1);
  }

  /** The element when it is an object, else null. */
  getObject(index: i32): JsonObject | null {
    return <u32>index < <u32>this.length ? objectAt(this.text, unchecked(this.spans[index << 1])) : null;
  }

  /** The element when it is a JSON string (decoded), else null. */
  getString(index: i32): string | null {
    if (<u32>index >= <u32>this.length) return null;
    begin(this.text, unchecked(this.spans[index << 1]));
    return unit() == QUOTE ? String.UTF16.decodeUnsafe(decoded, readString()) : null;
  }

  /** Used by arrayAt: records an element; its bounds are pointers into `text`. */
  add(start: usize, end: usize): void {
    const base = changetype<usize>(this.text);
    this.spans.push(<u32>(start - base) >> 1);
    this.spans.push(<u32>(end - base) >> 1);
  }
}

/** The object at `offset` of an already validated document, with its members recorded, or null if it is no object. */
function objectAt(json: string, offset: u32): JsonObject | null {
  begin(json, offset);
  if (unit() != 0x7b) return null;
  const object = new JsonObject(json);
  at += 2;
  while (peek() == QUOTE) {
    const key = String.UTF16.decodeUnsafe(decoded, readString());
    peek(); // the colon
    at += 2;
    peek();
    const start = at;
    skipValue();
    object.add(key, start, at);
    if (peek() != 0x2c) break;
    at += 2;
  }
  return object;
}

/** The array at `offset` of an already validated document, with its elements recorded, or null if it is no array. */
function arrayAt(json: string, offset: u32): JsonArray | null {
  begin(json, offset);
  if (unit() != 0x5b) return null;
  const array = new JsonArray(json);
  at += 2;
  if (peek() != 0x5d) {
    while (true) {
      const start = at;
      skipValue();
      array.add(start, at);
      if (peek() != 0x2c) break;
      at += 2;
      peek();
    }
  }
  return array;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

// Reader state: the text being read, the position (a pointer to its UTF-16 units), its end, and the
// first problem found.
let text = "";
let at: usize = 0;
let end: usize = 0;
let problem: string | null = null;
/** Where readString put the decoded units (scratch memory, valid until the next read). */
let decoded: usize = 0;

function begin(json: string, offset: u32 = 0): void {
  text = json;
  at = changetype<usize>(json) + (<usize>offset << 1);
  end = changetype<usize>(json) + (<usize>json.length << 1);
}

/** Why the last parseJsonObject returned null, e.g. `unexpected character '}' at offset 7`. */
export function lastJsonError(): string {
  const found = problem;
  return found !== null ? found : "";
}

/** Records a problem at the current position (the first one wins) and returns false. */
function fail(): bool {
  if (problem === null) {
    problem = at < end
      ? "unexpected character '" + String.UTF16.decodeUnsafe(at, 2) + "' at offset " + decimal(<u32>(at - changetype<usize>(text)) >> 1)
      : "unexpected end";
  }
  return false;
}

/** The next character that is not whitespace (-1 at the end), without consuming it. */
function peek(): i32 {
  // Configuration JSON is often compact: no call unless there is whitespace to skip.
  return at < end && load<u16>(at) > 0x20 ? <i32>load<u16>(at) : skipSpaces();
}

function skipSpaces(): i32 {
  while (at < end) {
    const c = <i32>load<u16>(at);
    if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) return c;
    at += 2;
  }
  return -1;
}

/**
 * Moves past the value at `at` in text that has been validated already: strings to their closing
 * quote, objects and arrays to their closing bracket, anything else to the next delimiter.
 */
function skipValue(): void {
  let depth = 0;
  while (at < end) {
    const c = <u32>load<u16>(at);
    if (c == QUOTE) {
      at += 2;
      while (load<u16>(at) != QUOTE) at += load<u16>(at) == BACKSLASH ? 4 : 2;
    } else if (c == 0x7b || c == 0x5b) {
      depth++;
    } else if (c == 0x7d || c == 0x5d) {
      if (depth == 0) return;
      depth--;
    } else if (depth == 0 && (c == 0x2c || c <= 0x20)) {
      return; // a scalar ends at a comma or whitespace (or at its container's close, above)
    }
    at += 2;
    if (depth == 0 && (c == QUOTE || c == 0x7d || c == 0x5d)) return; // a string, object or array is complete
  }
}

/** Escapes after a backslash and what they stand for, as (escape, character) byte pairs. */
const ESCAPES = memory.data<u8>([0x22, 0x22, 0x5c, 0x5c, 0x2f, 0x2f, 0x62, 0x08, 0x66, 0x0c, 0x6e, 0x0a, 0x72, 0x0d, 0x74, 0x09]);

/**
 * Decodes the string at `at` (which is a quote) into scratch memory at `decoded`, without
 * allocating; returns its length in bytes of UTF-16, or -1 when malformed (with the problem recorded).
 */
function readString(): i32 {
  const start = at;
  // The decoded text is never longer than its JSON text: find the closing quote first.
  do at += load<u16>(at) == BACKSLASH ? 4 : 2;
  while (at < end && load<u16>(at) != QUOTE);
  decoded = reserveScratch(at - start);
  at = start + 2;
  let length: usize = 0;
  while (true) {
    let c = at < end ? <u32>load<u16>(at) : 0;
    if (c < 0x20) return failedString(); // a control character, or the end
    at += 2;
    if (c == QUOTE) return <i32>length;
    if (c == BACKSLASH) {
      const escape = unit();
      at += 2;
      if (escape == 0x75) {
        c = 0;
        for (let i = 0; i < 4; i++) {
          const h = unit() | 0x20;
          const digit = h - 0x30 < 10 ? h - 0x30 : h - 0x61 < 6 ? h - 0x57 : 16;
          if (digit > 15) return failedString();
          c = (c << 4) | digit;
          at += 2;
        }
      } else {
        let i = 0;
        while (i < 16 && <u32>load<u8>(ESCAPES + i) != escape) i += 2;
        at -= 2;
        if (i == 16) return failedString();
        at += 2;
        c = load<u8>(ESCAPES + i + 1);
      }
    }
    store<u16>(decoded + length, c);
    length += 2;
  }
}

function failedString(): i32 {
  fail();
  return -1;
}

/** The string readString decoded (`length` bytes of UTF-16 at `decoded`), as UTF-8 bytes. */
function decodedUtf8(length: i32): ArrayBuffer {
  // @ts-ignore: a runtime builtin that asc knows; AssemblyScript's editor types omit it
  const bytes: usize = __new(<usize>length * 3 >> 1, idof<ArrayBuffer>());
  const size = encodeUtf16(decoded, decoded + <usize>length, bytes);
  // @ts-ignore: see above
  return changetype<ArrayBuffer>(size == <usize>length * 3 >> 1 ? bytes : __renew(bytes, size));
}

/** Consumes a literal given as its first four UTF-16 units (packed little-endian) and, for `false`, a fifth. */
function literal(firstFour: u64, fifth: u32): bool {
  const size: usize = fifth != 0 ? 10 : 8;
  if (end - at < size || load<u64>(at) != firstFour || (fifth != 0 && <u32>load<u16>(at, 8) != fifth)) return false;
  at += size;
  return true;
}

/** The UTF-16 unit at `at`, or 0 at the end. */
function unit(): u32 {
  return at < end ? <u32>load<u16>(at) : 0;
}

/** Skips digits; false when there were none. */
function digits(): bool {
  const from = at;
  while (unit() - 0x30 < 10) at += 2;
  return at != from;
}

/** JSON's number grammar: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)? */
function readNumber(): bool {
  if (unit() == 0x2d) at += 2;
  const start = at;
  if (!digits()) return fail();
  if (load<u16>(start) == 0x30 && at - start > 2) {
    at = start + 2; // a leading zero must stand alone
    return fail();
  }
  if (unit() == 0x2e) {
    at += 2;
    if (!digits()) return fail();
  }
  if ((unit() | 0x20) == 0x65) {
    at += 2;
    if (unit() == 0x2b || unit() == 0x2d) at += 2;
    if (!digits()) return fail();
  }
  return true;
}

/** Checks one value and moves past it; at depth 0 an object's members are recorded in `into`. */
function readValue(depth: i32, into: JsonObject | null): bool {
  const c = peek();
  if (c == QUOTE) return readString() >= 0;
  if (c == 0x7b || c == 0x5b) {
    if (depth > 64) return fail();
    const close = c + 2; // '}' or ']'
    at += 2;
    if (peek() == close) {
      at += 2;
      return true;
    }
    while (true) {
      let key: string | null = null;
      if (c == 0x7b) {
        const length = peek() == QUOTE ? readString() : -1;
        if (length < 0 || peek() != 0x3a) return fail();
        at += 2;
        if (into !== null) key = String.UTF16.decodeUnsafe(decoded, length);
      }
      peek(); // the value's text starts after whitespace
      const start = at;
      if (!readValue(depth + 1, null)) return false;
      if (key !== null) changetype<JsonObject>(into).add(key, start, at);
      const next = peek();
      if (next == close) break;
      if (next != 0x2c) return fail();
      at += 2;
    }
    at += 2;
    return true;
  }
  // true, false, null (as little-endian UTF-16 units), or a number.
  if (literal(0x0065_0075_0072_0074, 0) || literal(0x0073_006c_0061_0066, 0x65) || literal(0x006c_006c_0075_006e, 0)) return true;
  return readNumber();
}

/** Whether `text` starts, after whitespace, like a JSON object or array (so it is meant as JSON). */
export function looksLikeJson(json: string): bool {
  begin(json);
  const first = peek();
  return first == 0x7b || first == 0x5b;
}

/**
 * Parses `json` as one JSON object. Returns null when it is not valid JSON or not an object;
 * lastJsonError() then names the problem and where it is.
 */
export function parseJsonObject(json: string): JsonObject | null {
  begin(json);
  problem = null;
  const result = new JsonObject(json);
  if (peek() != 0x7b) fail();
  else if (readValue(0, result) && peek() >= 0) fail();
  return problem === null ? result : null;
}
