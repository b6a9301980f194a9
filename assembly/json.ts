// A small JSON reader for filter configuration: validates a whole document and gives the members of
// its top-level object. Values are kept as JSON text and decoded on request. It walks the UTF-16
// units directly (no substring or comparison helpers), which keeps modules that use it small.
import { decimal } from "./decimal";
import { reserveScratch } from "./memory";

/** One member of an object: its name and its value as JSON text (`"yes"`, `5`, `{"a":1}`). */
export class JsonMember {
  constructor(readonly key: string, readonly value: string, readonly next: JsonMember | null) {}
}

/** The members of a JSON object (for a repeated key the last one wins). */
export class JsonObject {
  /** The last member in document order; follow `next` towards the first. */
  last: JsonMember | null = null;

  /** The member's JSON text, or null when absent. */
  getRaw(key: string): string | null {
    let member = this.last;
    while (member !== null) {
      if (member.key == key) return member.value;
      member = member.next;
    }
    return null;
  }

  has(key: string): bool {
    return this.getRaw(key) !== null;
  }

  /** The member's value when it is a JSON string (decoded), else null. */
  getString(key: string): string | null {
    const raw = this.getRaw(key);
    if (raw === null || raw.charCodeAt(0) != QUOTE) return null;
    begin(raw);
    return readString();
  }

  /** Member names in document order. */
  keys(): string[] {
    const keys = new Array<string>();
    let member = this.last;
    while (member !== null) {
      keys.unshift(member.key);
      member = member.next;
    }
    return keys;
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

// Reader state: the text being read, the position (a pointer to its UTF-16 units), its end, and the
// first problem found.
let text = "";
let at: usize = 0;
let end: usize = 0;
let problem: string | null = null;

function begin(json: string): void {
  text = json;
  at = changetype<usize>(json);
  end = at + (<usize>json.length << 1);
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
  while (at < end) {
    const c = <i32>load<u16>(at);
    if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) return c;
    at += 2;
  }
  return -1;
}

/** Escapes after a backslash and what they stand for, as (escape, character) byte pairs. */
const ESCAPES = memory.data<u8>([0x22, 0x22, 0x5c, 0x5c, 0x2f, 0x2f, 0x62, 0x08, 0x66, 0x0c, 0x6e, 0x0a, 0x72, 0x0d, 0x74, 0x09]);

/** Reads the string at `at` (which is a quote) and decodes its escapes; null when malformed. */
function readString(): string | null {
  const out = reserveScratch(end - at);
  let length: usize = 0;
  at += 2;
  while (true) {
    let c = unit();
    if (c < 0x20) return failed(); // a control character, or the end
    at += 2;
    if (c == QUOTE) return String.UTF16.decodeUnsafe(out, length);
    if (c == BACKSLASH) {
      const escape = unit();
      at += 2;
      if (escape == 0x75) {
        c = 0;
        for (let i = 0; i < 4; i++) {
          const h = unit() | 0x20;
          const digit = h - 0x30 < 10 ? h - 0x30 : h - 0x61 < 6 ? h - 0x57 : 16;
          if (digit > 15) return failed();
          c = (c << 4) | digit;
          at += 2;
        }
      } else {
        let i = 0;
        while (i < 16 && <u32>load<u8>(ESCAPES + i) != escape) i += 2;
        at -= 2;
        if (i == 16) return failed();
        at += 2;
        c = load<u8>(ESCAPES + i + 1);
      }
    }
    store<u16>(out + length, c);
    length += 2;
  }
}

function failed(): string | null {
  fail();
  return null;
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

/** Reads one value, checking it; at depth 0 an object's members are recorded in `into`. */
function readValue(depth: i32, into: JsonObject | null): bool {
  const c = peek();
  if (c == QUOTE) return readString() !== null;
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
        if (peek() != QUOTE || (key = readString()) === null || peek() != 0x3a) return fail();
        at += 2;
      }
      peek(); // the value's text starts after whitespace
      const start = at;
      if (!readValue(depth + 1, null)) return false;
      if (into !== null && key !== null) into.last = new JsonMember(key, String.UTF16.decodeUnsafe(start, at - start), into.last);
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
  const result = new JsonObject();
  if (peek() != 0x7b) fail();
  else if (readValue(0, result) && peek() >= 0) fail();
  return problem === null ? result : null;
}
