// A small JSON reader for filter configuration. One pass over the UTF-8 text checks the whole document
// and writes a tape: an entry per value saying where it starts and ends, where its member name is, and
// where its next sibling's entry is. Objects and arrays are then read in place (a lookup steps over a
// nested value in one move), and a value is decoded or copied only when it is asked for. Nothing is
// allocated per member while checking: the text, its tape and the top-level JsonObject are all.
// Scanning loops need no bounds checks: four 0 bytes follow the text, and 0 ends every token.
import { decimal } from "./decimal";
import { reserveScratch, scratchBlock } from "./scratch";
import { decodeUtf8, encodeUtf16, encodeUtf8, maxUtf8Length } from "./utf8";

/** One member of an object: its name and its value as JSON text (`"yes"`, `5`, `{"a":1}`). */
export class JsonMember {
  constructor(readonly key: string, readonly value: string, readonly next: JsonMember | null) {}
}

// A tape entry: four u32 for one value. Where it starts and ends in the text (pointers: the text never
// moves), where the entry after it and all it contains is (a byte offset into the tape, which does move
// while it grows), and for a member of an object where its name's opening quote is (else 0).
// @ts-ignore: decorator
@inline const ENTRY_SIZE: usize = 16;
// @ts-ignore: decorator
@inline const END: usize = 4;
// @ts-ignore: decorator
@inline const NEXT: usize = 8;
// @ts-ignore: decorator
@inline const NAME: usize = 12;
// Flags in the low bits of NEXT (entries are 16 bytes apart): the value is a string with a backslash,
// and so is the name; either needs decoding rather than copying.
// @ts-ignore: decorator
@inline const VALUE_ESCAPED: u32 = 1;
// @ts-ignore: decorator
@inline const NAME_ESCAPED: u32 = 2;

// @ts-ignore: decorator
@lazy const EMPTY_TEXT = emptyText();
// @ts-ignore: decorator
@lazy const EMPTY_TAPE = emptyTape(EMPTY_TEXT);

/** The text of `new JsonObject()`: `{}`. */
function emptyText(): ArrayBuffer {
  const text = new ArrayBuffer(6);
  store<u16>(changetype<usize>(text), 0x7d7b);
  return text;
}

function emptyTape(text: ArrayBuffer): ArrayBuffer {
  const tape = new ArrayBuffer(<i32>ENTRY_SIZE);
  store<usize>(changetype<usize>(tape), changetype<usize>(text));
  store<usize>(changetype<usize>(tape), changetype<usize>(text) + 2, END);
  store<u32>(changetype<usize>(tape), <u32>ENTRY_SIZE, NEXT);
  return tape;
}

// Reading a tape: `entry` is a byte offset into it.
// @ts-ignore: decorator
@inline function startOf(tape: ArrayBuffer, entry: u32): usize {
  return load<usize>(changetype<usize>(tape) + entry);
}

// @ts-ignore: decorator
@inline function endOf(tape: ArrayBuffer, entry: u32): usize {
  return load<usize>(changetype<usize>(tape) + entry, END);
}

/** The entry after `entry` and its contents, with the flags in the low bits. */
// @ts-ignore: decorator
@inline function nextOf(tape: ArrayBuffer, entry: u32): u32 {
  return load<u32>(changetype<usize>(tape) + entry, NEXT);
}

// @ts-ignore: decorator
@inline function nameOf(tape: ArrayBuffer, entry: u32): usize {
  return load<usize>(changetype<usize>(tape) + entry, NAME);
}

/** The first byte of the value at `entry`: `{`, `[`, `"`, or the start of a number or literal. */
// @ts-ignore: decorator
@inline function kindOf(tape: ArrayBuffer, entry: u32): u32 {
  return load<u8>(startOf(tape, entry));
}

/** The value's JSON text. */
function rawAt(tape: ArrayBuffer, entry: u32): string {
  const start = startOf(tape, entry);
  return decodeUtf8(start, endOf(tape, entry) - start);
}

/** The string at `entry` as UTF-8 bytes, escapes decoded, or null when the value is no string. */
function bytesAt(tape: ArrayBuffer, entry: u32): ArrayBuffer | null {
  if (kindOf(tape, entry) != QUOTE) return null;
  return stringBytes(startOf(tape, entry) + 1, endOf(tape, entry) - 1, nextOf(tape, entry) & VALUE_ESCAPED);
}

/** The string at `entry`, decoded, or null when the value is no string. */
function stringAt(tape: ArrayBuffer, entry: u32): string | null {
  if (kindOf(tape, entry) != QUOTE) return null;
  return stringText(startOf(tape, entry) + 1, endOf(tape, entry) - 1, nextOf(tape, entry) & VALUE_ESCAPED);
}

/** The name of the member whose value is at `entry`, decoded. */
function nameAt(tape: ArrayBuffer, entry: u32): string {
  const name = nameOf(tape, entry) + 1;
  return stringText(name, closingQuote(name), nextOf(tape, entry) & NAME_ESCAPED);
}

function objectAt(text: ArrayBuffer, tape: ArrayBuffer, entry: u32): JsonObject | null {
  return kindOf(tape, entry) == 0x7b ? new JsonObject(text, tape, entry) : null;
}

function arrayAt(text: ArrayBuffer, tape: ArrayBuffer, entry: u32): JsonArray | null {
  return kindOf(tape, entry) == 0x5b ? new JsonArray(text, tape, entry) : null;
}

/** The members of a JSON object (for a repeated key the last one wins). */
export class JsonObject {
  /** `new JsonObject()` is empty; parseJsonObject gives the others (the parameters are the parser's). */
  constructor(
    /** The document's text: the tape points into it, so it lives as long as any object or array of it. */
    // Not readonly: JsonArray.readObject moves an object from element to element.
    private text: ArrayBuffer = EMPTY_TEXT,
    private tape: ArrayBuffer = EMPTY_TAPE,
    private entry: u32 = 0,
  ) {}

  /** The tape entry of the value of the last member named `key`, or -1. */
  private find(key: string): i32 {
    return this.findInline(key);
  }

  /** find() inlined, for copyStringBytes: a loop over many objects saves a call a member. */
  // @ts-ignore: decorator
  @inline private findInline(key: string): i32 {
    const tape = this.tape;
    const keyAt = changetype<usize>(key);
    const keyEnd = keyAt + (<usize>key.length << 1);
    let found = -1;
    const stop = nextOf(tape, this.entry) & ~3;
    for (let member = this.entry + <u32>ENTRY_SIZE; member < stop; member = nextOf(tape, member) & ~3) {
      if ((nextOf(tape, member) & NAME_ESCAPED) == 0) {
        // The key's ASCII units against the name's bytes, where the name is.
        let name = nameOf(tape, member) + 1;
        let at = keyAt;
        while (at < keyEnd) {
          const unit = <u32>load<u16>(at);
          if (unit >= 0x80 || unit != <u32>load<u8>(name)) break;
          at += 2;
          name++;
        }
        if (at == keyEnd) {
          if (load<u8>(name) == QUOTE) found = member;
          continue;
        }
        if (load<u16>(at) < 0x80) continue;
      }
      // A name with escapes, or a key beyond ASCII: compared decoded.
      if (nameAt(tape, member) == key) found = member;
    }
    return found;
  }

  /** The member's JSON text, or null when absent. */
  getRaw(key: string): string | null {
    const value = this.find(key);
    return value >= 0 ? rawAt(this.tape, value) : null;
  }

  has(key: string): bool {
    return this.find(key) >= 0;
  }

  /** The member's value when it is a JSON string (decoded), else null. */
  getString(key: string): string | null {
    const value = this.find(key);
    return value >= 0 ? stringAt(this.tape, value) : null;
  }

  /** The member's value when it is a JSON string, as UTF-8 bytes, else null. */
  getStringBytes(key: string): ArrayBuffer | null {
    const value = this.find(key);
    return value >= 0 ? bytesAt(this.tape, value) : null;
  }

  /**
   * Writes the member's value, when it is a JSON string, as UTF-8 bytes (escapes decoded) into `into`
   * at byte `offset`, and returns how many bytes it wrote; returns -1 when the member is absent, is no
   * string, or does not fit. Nothing is allocated: a loop can gather many strings into one buffer (as
   * long as the document's text, it holds all of them). Inlined where it is called (about 170 bytes a
   * call site), so such a loop makes no call per member: in an interpreter a call costs more than the copy.
   */
  // @ts-ignore: decorator
  @inline
  copyStringBytes(key: string, into: ArrayBuffer, offset: i32): i32 {
    const value = this.findInline(key);
    if (value < 0 || kindOf(this.tape, value) != QUOTE) return -1;
    const from = stringSource(startOf(this.tape, value) + 1, endOf(this.tape, value) - 1, nextOf(this.tape, value) & VALUE_ESCAPED);
    if (<u32>offset > <u32>into.byteLength || sourceSize > <usize>(into.byteLength - offset)) return -1;
    memory.copy(changetype<usize>(into) + <usize>offset, from, sourceSize);
    return <i32>sourceSize;
  }

  /** The member's value when it is an object, read in place (nothing copied), else null. */
  getObject(key: string): JsonObject | null {
    const value = this.find(key);
    return value >= 0 ? objectAt(this.text, this.tape, value) : null;
  }

  /** The member's value when it is an array, read in place (nothing copied), else null. */
  getArray(key: string): JsonArray | null {
    const value = this.find(key);
    return value >= 0 ? arrayAt(this.text, this.tape, value) : null;
  }

  /** Member names in document order. */
  keys(): string[] {
    const tape = this.tape;
    const keys = new Array<string>();
    const stop = nextOf(tape, this.entry) & ~3;
    for (let member = this.entry + <u32>ENTRY_SIZE; member < stop; member = nextOf(tape, member) & ~3) keys.push(nameAt(tape, member));
    return keys;
  }

  /** The members, decoded, from the last one (follow `next` towards the first); built on each call. */
  get last(): JsonMember | null {
    const tape = this.tape;
    let last: JsonMember | null = null;
    const stop = nextOf(tape, this.entry) & ~3;
    for (let member = this.entry + <u32>ENTRY_SIZE; member < stop; member = nextOf(tape, member) & ~3) {
      last = new JsonMember(nameAt(tape, member), rawAt(tape, member), last);
    }
    return last;
  }
}

/** The elements of an array in a parsed document, read in place: nothing is copied until asked for. */
export class JsonArray {
  private count: i32 = 0;
  /** A cursor: the entry of element `cursorIndex`, so reading the elements in order steps once each. */
  private cursorIndex: i32 = 0;
  private cursorEntry: u32;

  constructor(
    private readonly text: ArrayBuffer,
    private readonly tape: ArrayBuffer,
    private readonly entry: u32,
  ) {
    this.cursorEntry = entry + <u32>ENTRY_SIZE;
    const stop = nextOf(tape, entry) & ~3;
    let count = 0;
    for (let element = entry + <u32>ENTRY_SIZE; element < stop; element = nextOf(tape, element) & ~3) count++;
    this.count = count;
  }

  get length(): i32 {
    return this.count;
  }

  /** The tape entry of element `index`, or -1 when out of range. */
  private element(index: i32): i32 {
    if (<u32>index >= <u32>this.count) return -1;
    if (index < this.cursorIndex) {
      this.cursorIndex = 0;
      this.cursorEntry = this.entry + <u32>ENTRY_SIZE;
    }
    let entry = this.cursorEntry;
    for (let i = this.cursorIndex; i < index; i++) entry = nextOf(this.tape, entry) & ~3;
    this.cursorIndex = index;
    this.cursorEntry = entry;
    return entry;
  }

  /** The element's JSON text, or null when `index` is out of range. */
  getRaw(index: i32): string | null {
    const element = this.element(index);
    return element >= 0 ? rawAt(this.tape, element) : null;
  }

  /** The element when it is an object, else null. */
  getObject(index: i32): JsonObject | null {
    const element = this.element(index);
    return element >= 0 ? objectAt(this.text, this.tape, element) : null;
  }

  /**
   * Points `into` at the element when it is an object and returns true; else returns false and leaves
   * `into` as it was. One JsonObject serves every element (nothing is allocated per element), so read
   * what you need from it before the next call:
   * `const item = new JsonObject(); for (let i = 0; i < list.length; i++) if (list.readObject(i, item)) item.getString("from");`
   */
  readObject(index: i32, into: JsonObject): bool {
    const element = this.element(index);
    if (element < 0 || kindOf(this.tape, element) != 0x7b) return false;
    // The object's private fields, set in place: no public way to point an object anywhere.
    const object = changetype<usize>(into);
    store<usize>(object, changetype<usize>(this.text), offsetof<JsonObject>("text"));
    store<usize>(object, changetype<usize>(this.tape), offsetof<JsonObject>("tape"));
    store<u32>(object, <u32>element, offsetof<JsonObject>("entry"));
    return true;
  }

  /** The element when it is an array, else null. */
  getArray(index: i32): JsonArray | null {
    const element = this.element(index);
    return element >= 0 ? arrayAt(this.text, this.tape, element) : null;
  }

  /** The element when it is a JSON string (decoded), else null. */
  getString(index: i32): string | null {
    const element = this.element(index);
    return element >= 0 ? stringAt(this.tape, element) : null;
  }

  /** The element when it is a JSON string, as UTF-8 bytes, else null. */
  getStringBytes(index: i32): ArrayBuffer | null {
    const element = this.element(index);
    return element >= 0 ? bytesAt(this.tape, element) : null;
  }
}

// ---- strings of a checked document ----

/** The closing quote of the string whose text starts at `at` (after its opening quote). */
function closingQuote(at: usize): usize {
  while (true) {
    const c = <u32>load<u8>(at);
    if (c == QUOTE) return at;
    at += c == BACKSLASH ? 2 : 1;
  }
}

/** decodeInScratch's result size. */
let decodedSize: usize = 0;

/**
 * Decodes the escapes of the string text [from, to) into scratch at `offset`, keeping the scratch
 * bytes before it; returns where (decodedSize says how many bytes).
 */
function decodeInScratch(from: usize, to: usize, offset: usize): usize {
  const at = reserveScratch(offset + (to - from), offset) + offset;
  decodedSize = decodeEscapes(from, to, at);
  return at;
}

/** stringSource's result size. */
let sourceSize: usize = 0;

/** Where the UTF-8 bytes of the string text [from, to) are, decoded into scratch when `escaped` (sourceSize says how many). */
// @ts-ignore: decorator
@inline function stringSource(from: usize, to: usize, escaped: u32): usize {
  sourceSize = to - from;
  if (escaped != 0) {
    from = decodeInScratch(from, to, 0);
    sourceSize = decodedSize;
  }
  return from;
}

/** The string text [from, to) as UTF-8 bytes, decoded when `escaped`. */
function stringBytes(from: usize, to: usize, escaped: u32): ArrayBuffer {
  from = stringSource(from, to, escaped);
  // @ts-ignore: a runtime builtin that asc knows; AssemblyScript's editor types omit it
  const bytes: usize = __new(sourceSize, idof<ArrayBuffer>());
  memory.copy(bytes, from, sourceSize);
  return changetype<ArrayBuffer>(bytes);
}

/** The string text [from, to) decoded. */
function stringText(from: usize, to: usize, escaped: u32): string {
  let size = to - from;
  if (escaped != 0) {
    // Decoded after twice its size in scratch, where decodeUtf8 (which needs at most that) writes.
    from = decodeInScratch(from, to, size << 1);
    size = decodedSize;
  }
  return decodeUtf8(from, size);
}

const QUOTE: u32 = 0x22;
const BACKSLASH: u32 = 0x5c;
/** Containers nest at most this deep below the top-level object. */
const MAX_DEPTH = 64;

/** Escapes after a backslash and what they stand for, as (escape, character) byte pairs. */
const ESCAPES = memory.data<u8>([0x22, 0x22, 0x5c, 0x5c, 0x2f, 0x2f, 0x62, 0x08, 0x66, 0x0c, 0x6e, 0x0a, 0x72, 0x0d, 0x74, 0x09]);

/** Where escape() writes while the parser only checks. */
const ESCAPE_SINK = memory.data(4);
/** How many bytes the last escape() wrote. */
let escapeSize: usize = 0;

/**
 * The escape whose backslash is at `at`: checks it and writes what it stands for at `into` as UTF-8
 * (escapeSize bytes, at most 4; a \u escape of a high surrogate takes a following \u escape with it,
 * so that a pair becomes one character). Returns the position after it, or 0 when malformed.
 */
function escape(at: usize, into: usize): usize {
  const letter = <u32>load<u8>(++at);
  if (letter != 0x75) {
    let i: usize = 0;
    while (<u32>load<u8>(ESCAPES + i) != letter) if ((i += 2) == 16) return fail(at);
    store<u8>(into, load<u8>(ESCAPES + i + 1));
    escapeSize = 1;
    return at + 1;
  }
  const units = memory.data(4);
  let count: usize = 0;
  while (true) {
    let unit: u32 = 0;
    for (let i = 0; i < 4; i++) {
      const h = <u32>load<u8>(++at);
      let digit = h - 0x30;
      if (digit > 9 && (digit = (h | 0x20) - 0x57) - 10 > 5) return fail(at);
      unit = (unit << 4) | digit;
    }
    store<u16>(units + (count++ << 1), unit);
    at++;
    if (count == 2 || (unit & 0xfc00) != 0xd800 || load<u16>(at) != 0x755c) break;
    at++; // to the second escape's u
  }
  escapeSize = encodeUtf16(units, units + (count << 1), into);
  return at;
}

/** Decodes the escapes of the checked string text [from, to) into UTF-8 at `into`; returns the bytes written (never more than the text has). */
function decodeEscapes(from: usize, to: usize, into: usize): usize {
  const start = into;
  while (from < to) {
    const c = load<u8>(from);
    if (c != BACKSLASH) {
      store<u8>(into++, c);
      from++;
    } else {
      from = escape(from, into);
      into += escapeSize;
    }
  }
  return into - start;
}

// ---- checking a document and writing its tape ----

// Parser state: the text (its first byte, and its end, after which four 0 bytes stop every scanning loop), the
// tape being written, and the first problem found.
let textStart: usize = 0;
let textEnd: usize = 0;
let tapeWritten: ArrayBuffer = changetype<ArrayBuffer>(0);
/** Tested as a pointer: `problem === null` would call String.__eq. */
let problem: string | null = null;

/** Why the last parseJsonObject returned null, e.g. `unexpected character '}' at offset 7`. */
export function lastJsonError(): string {
  const found = problem;
  return changetype<usize>(found) != 0 ? changetype<string>(found) : "";
}

/** Records a problem at `at` (the first one wins) and returns 0, a position no text has. */
function fail(at: usize): usize {
  if (changetype<usize>(problem) == 0) {
    if (at < textEnd) {
      // The whole UTF-8 sequence: as many bytes as its lead byte has leading 1 bits (at most 4, so one
      // cut short by the end reads no further than the 0 bytes after the text).
      const lead = <u32>load<u8>(at);
      const size: usize = lead < 0xc0 || lead >= 0xf8 ? 1 : clz<u32>(~(lead << 24));
      problem = "unexpected character '" + decodeUtf8(at, size) + "' at offset " + decimal(<u32>(at - textStart));
    } else {
      problem = "unexpected end";
    }
  }
  return 0;
}

/** Doubles the tape being written; returns its new address. */
function growTape(): usize {
  const size = <usize>tapeWritten.byteLength;
  // @ts-ignore: a runtime builtin that asc knows; AssemblyScript's editor types omit it
  const grown: usize = __new(size << 1, idof<ArrayBuffer>());
  memory.copy(grown, changetype<usize>(tapeWritten), size);
  tapeWritten = changetype<ArrayBuffer>(grown);
  return grown;
}

/** The first position from `at` on that is not JSON whitespace (inlined: usually one comparison). */
// @ts-ignore: decorator
@inline function skipSpaces(at: usize): usize {
  return load<u8>(at) > 0x20 ? at : spacesFrom(at);
}

function spacesFrom(at: usize): usize {
  while (true) {
    const c = <u32>load<u8>(at);
    if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) return at;
    at++;
  }
}
/** Moves past one or more digits; 0 when there are none. */
function skipDigits(at: usize): usize {
  const from = at;
  while (<u32>load<u8>(at) - 0x30 < 10) at++;
  return at != from ? at : fail(at);
}

/** Moves past `true`, `false`, `null` or a number: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)? ; or 0. */
function skipScalar(at: usize): usize {
  const four = load<u32>(at); // the zero bytes after the text match no letter
  if (four == 0x6575_7274 || four == 0x6c6c_756e) return at + 4; // true, null
  if (four == 0x736c_6166 && load<u8>(at, 4) == 0x65) return at + 5; // false
  if (load<u8>(at) == 0x2d) at++;
  at = load<u8>(at) == 0x30 ? at + 1 : skipDigits(at); // a leading zero stands alone: what follows it must not be a digit
  if (at != 0 && load<u8>(at) == 0x2e) at = skipDigits(at + 1);
  if (at != 0 && (<u32>load<u8>(at) | 0x20) == 0x65) {
    const sign = <u32>load<u8>(++at);
    at = skipDigits(sign == 0x2b || sign == 0x2d ? at + 1 : at);
  }
  return at;
}

/** The open containers' tape entries, outermost first, with 1 added for an object. */
const OPEN = memory.data(<i32>(MAX_DEPTH + 1) * 4);

/**
 * Checks `length` bytes of UTF-8 at the start of `text` (which has four 0 bytes after them) as one JSON
 * object and writes its tape. Returns the object, or null with the problem recorded.
 */
function parseText(text: ArrayBuffer, length: usize): JsonObject | null {
  problem = null;
  textStart = changetype<usize>(text);
  textEnd = textStart + length;
  // @ts-ignore: a runtime builtin that asc knows; AssemblyScript's editor types omit it
  tapeWritten = changetype<ArrayBuffer>(__new((length >> 2 & ~15) + ENTRY_SIZE * 4, idof<ArrayBuffer>()));
  const ok = parseValues() != 0;
  const object = ok ? new JsonObject(text, tapeWritten, 0) : null;
  tapeWritten = changetype<ArrayBuffer>(0);
  return object;
}

// What the parser expects next.
// @ts-ignore: decorator
@inline const WANT_VALUE = 0;
// @ts-ignore: decorator
@inline const WANT_NAME = 1;
/** Right after `{` or `[`: the container's first member or element, or its close. */
// @ts-ignore: decorator
@inline const WANT_FIRST = 3;
/** After a value inside a container: a comma or the container's close. */
// @ts-ignore: decorator
@inline const WANT_COMMA = 4;
/** After the top-level object: the end of the text. */
// @ts-ignore: decorator
@inline const WANT_END = 5;

/** The parser's loop over tokens, iterative so that nesting costs no stack: 0 when the text is no JSON object. */
function parseValues(): usize {
  let base = changetype<usize>(tapeWritten);
  let limit = base + <usize>tapeWritten.byteLength;
  let entry = base; // where the next entry goes
  let at = textStart;
  let expect = WANT_VALUE;
  let depth = -1;
  let inObject = false;
  let name: usize = 0; // the current member's name
  let flags: u32 = 0;
  at = skipSpaces(at);
  if (load<u8>(at) != 0x7b) return fail(at);
  while (true) {
    at = skipSpaces(at);
    const c = <u32>load<u8>(at);
    if (expect >= WANT_FIRST) {
      if (expect == WANT_END) return at == textEnd ? at : fail(at);
      if (c == (inObject ? 0x7d : 0x5d)) {
        // The close of the open container: its entry gets its end and what follows it.
        const open = base + (load<u32>(OPEN + (<usize>depth << 2)) & ~1);
        store<usize>(open, ++at, END);
        store<u32>(open, <u32>(entry - base) | load<u32>(open, NEXT), NEXT);
        expect = WANT_END;
        if (--depth >= 0) {
          expect = WANT_COMMA;
          inObject = (load<u32>(OPEN + (<usize>depth << 2)) & 1) != 0;
        }
        continue;
      }
      const afterComma = expect == WANT_COMMA;
      if (afterComma && c != 0x2c) return fail(at);
      expect = inObject ? WANT_NAME : WANT_VALUE;
      if (afterComma) {
        at++;
        continue;
      }
    }
    const start = at;
    if (c == QUOTE) {
      // A string: a member's name or a value.
      let escapes: u32 = 0;
      while (true) {
        const d = <u32>load<u8>(++at);
        if (d > QUOTE && d != BACKSLASH) continue;
        if (d == QUOTE) break;
        if (d == BACKSLASH) {
          escapes = 1;
          at = escape(at, ESCAPE_SINK) - 1;
          if (at == <usize>-1) return 0;
        } else if (d < 0x20) {
          return fail(at); // a control character, or the end of the text
        }
      }
      at++;
      if (expect == WANT_NAME) {
        // The member's name, then a colon; its value's entry will say where the name is.
        name = start;
        flags = escapes << 1; // NAME_ESCAPED
        at = skipSpaces(at);
        if (load<u8>(at) != 0x3a) return fail(at);
        at++;
        expect = WANT_VALUE;
        continue;
      }
      flags |= escapes; // VALUE_ESCAPED
    } else if (expect == WANT_NAME) {
      return fail(at);
    }
    if (entry == limit) {
      const grown = growTape();
      entry += grown - base;
      base = grown;
      limit = base + <usize>tapeWritten.byteLength;
    }
    store<usize>(entry, start);
    store<usize>(entry, name, NAME);
    store<u32>(entry, flags, NEXT);
    entry += ENTRY_SIZE;
    name = 0;
    flags = 0;
    if (c == 0x7b || c == 0x5b) {
      // Its end and what follows it are written when it closes.
      if (depth == MAX_DEPTH) return fail(at);
      inObject = c == 0x7b;
      store<u32>(OPEN + (<usize>++depth << 2), <u32>(entry - ENTRY_SIZE - base) | (inObject ? 1 : 0));
      at++;
      expect = WANT_FIRST;
      continue;
    }
    if (c != QUOTE) {
      at = skipScalar(at);
      if (at == 0) return 0;
    }
    store<usize>(entry - ENTRY_SIZE, at, END);
    store<u32>(entry - ENTRY_SIZE, <u32>(entry - base) | load<u32>(entry - ENTRY_SIZE, NEXT), NEXT);
    expect = WANT_COMMA;
  }
}

/**
 * Parses `json` as one JSON object. Returns null when it is not valid JSON or not an object;
 * lastJsonError() then names the problem and where it is (a byte offset in its UTF-8).
 */
export function parseJsonObject(json: string): JsonObject | null {
  // @ts-ignore: a runtime builtin that asc knows; AssemblyScript's editor types omit it
  const text = changetype<ArrayBuffer>(__new(maxUtf8Length(json) + 4, idof<ArrayBuffer>()));
  const length = encodeUtf8(json, changetype<usize>(text));
  store<u32>(changetype<usize>(text) + length, 0);
  return parseText(text, length);
}

/** parseJsonObject for UTF-8 bytes, e.g. getPluginConfigurationBytes(): the text is not decoded first. */
export function parseJsonObjectBytes(json: ArrayBuffer): JsonObject | null {
  const length = <usize>json.byteLength;
  // @ts-ignore: a runtime builtin that asc knows; AssemblyScript's editor types omit it
  const text = changetype<ArrayBuffer>(__new(length + 4, idof<ArrayBuffer>()));
  memory.copy(changetype<usize>(text), changetype<usize>(json), length);
  store<u32>(changetype<usize>(text) + length, 0);
  return parseText(text, length);
}

/** Whether `text` starts, after whitespace, like a JSON object or array (so it is meant as JSON). */
export function looksLikeJson(json: string): bool {
  const end = changetype<usize>(json) + (<usize>json.length << 1);
  for (let at = changetype<usize>(json); at < end; at += 2) {
    const c = <u32>load<u16>(at);
    if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) return c == 0x7b || c == 0x5b;
  }
  return false;
}
