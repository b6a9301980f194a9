import { reserveScratch, scratchBlock } from "./scratch";
import { decodeUtf8, encodeUtf8, maxUtf8Length } from "./utf8";

export { reserveScratch };

// Moving bytes across the ABI boundary: out-parameters the host writes, host-allocated blocks the SDK
// takes ownership of, and a scratch area for UTF-8 arguments. No managed allocation unless a value is
// returned to the caller.

/** Out-parameter slots: a pointer, a size and one u64, written by the host and read right after the call. */
const OUT: usize = memory.data(16, 8);
export const RETURN_PTR: usize = OUT;
export const RETURN_SIZE: usize = OUT + 4;
export const RETURN_U64: usize = OUT + 8;

/** The host's (ptr, size) answer as a string; frees the host block. Empty when size is 0 (ptr is 0 then). */
export function takeString(): string {
  const ptr = load<usize>(RETURN_PTR);
  const size = load<usize>(RETURN_SIZE);
  if (size == 0) return "";
  const text = decodeUtf8(ptr, size);
  heap.free(ptr);
  return text;
}

/** The host's (ptr, size) answer as bytes; frees the host block. */
export function takeBytes(): ArrayBuffer {
  const ptr = load<usize>(RETURN_PTR);
  const size = load<usize>(RETURN_SIZE);
  const bytes = new ArrayBuffer(<i32>size);
  if (size != 0) {
    memory.copy(changetype<usize>(bytes), ptr, size);
    heap.free(ptr);
  }
  return bytes;
}

/** Frees the host block of the last answer without reading it. */
export function dropAnswer(): void {
  if (load<usize>(RETURN_SIZE) != 0) heap.free(load<usize>(RETURN_PTR));
}

/**
 * A StaticArray of `length` null references, without the constructor's length check and the error
 * text it brings into every module (lengths here are small).
 */
export function newReferenceArray<T>(length: u32): StaticArray<T> {
  const size = <usize>length << alignof<usize>();
  // @ts-ignore: a runtime builtin that asc knows; AssemblyScript's editor types omit it
  const array = __new(size, idof<StaticArray<T>>());
  memory.fill(array, 0, size);
  return changetype<StaticArray<T>>(array);
}

/** Where `encodeArgs` put the first and second string, and their UTF-8 lengths. */
export let arg0: usize = 0;
export let arg0Length: usize = 0;
export let arg1: usize = 0;
export let arg1Length: usize = 0;

// The UTF-8 of recently passed strings, by string: a filter passes the same header names, values and
// messages again and again (literals, or strings kept from its configuration), so most arguments need
// no encoding. Each slot keeps its string alive, so a string found in a slot is the one encoded there.
const CACHED_STRINGS: u32 = 8;
const CACHED_BYTES: usize = 64;
const cachedUtf8 = memory.data(<i32>(CACHED_STRINGS * <u32>CACHED_BYTES));
const cachedLengths = memory.data(<i32>(CACHED_STRINGS * 4));
// @ts-ignore: decorator
@lazy const cachedStrings = newReferenceArray<string | null>(CACHED_STRINGS);

/** The cache slot of `value` (objects are 16-byte aligned). */
// @ts-ignore: decorator
@inline
function slotOf(value: string): u32 {
  return (<u32>changetype<usize>(value) >> 4) & (CACHED_STRINGS - 1);
}

/** The UTF-8 length of the last `utf8Of`. */
let utf8Length: usize = 0;

/**
 * The UTF-8 of `value`: in its cache slot (encoded there unless it is cached) when it fits and the
 * slot is not `taken`, else in scratch from `scratchAt` on (keeping the scratch bytes before it).
 */
function utf8Of(value: string, taken: u32, scratchAt: usize): usize {
  const slot = slotOf(value);
  const cached = cachedUtf8 + <usize>slot * CACHED_BYTES;
  const lengthAt = cachedLengths + (<usize>slot << 2);
  if (slot != taken) {
    if (changetype<usize>(unchecked(cachedStrings[slot])) == changetype<usize>(value)) {
      utf8Length = load<u32>(lengthAt);
      return cached;
    }
    if (maxUtf8Length(value) <= CACHED_BYTES) {
      utf8Length = encodeUtf8(value, cached);
      store<u32>(lengthAt, <u32>utf8Length);
      unchecked((cachedStrings[slot] = value));
      return cached;
    }
  }
  const at = reserveScratch(scratchAt + maxUtf8Length(value), scratchAt) + scratchAt;
  utf8Length = encodeUtf8(value, at);
  return at;
}

/** Whether `value` is the string cached in `slot`. */
// @ts-ignore: decorator
@inline
function isCached(value: string, slot: u32): bool {
  return changetype<usize>(unchecked(cachedStrings[slot])) == changetype<usize>(value);
}

/** UTF-8 encodes one string (arg0, arg0Length), from the cache or into scratch. */
export function encodeArg(value: string): void {
  arg0 = utf8Of(value, CACHED_STRINGS, 0);
  arg0Length = utf8Length;
}

/** UTF-8 encodes two strings (arg0/arg0Length, arg1/arg1Length); the second never evicts the first. */
export function encodeArgs(first: string, second: string): void {
  const firstSlot = slotOf(first);
  const secondSlot = slotOf(second);
  if (firstSlot != secondSlot && isCached(first, firstSlot) && isCached(second, secondSlot)) {
    // The usual case for a filter's configured or constant name and value: nothing to encode.
    arg0 = cachedUtf8 + <usize>firstSlot * CACHED_BYTES;
    arg0Length = load<u32>(cachedLengths + (<usize>firstSlot << 2));
    arg1 = cachedUtf8 + <usize>secondSlot * CACHED_BYTES;
    arg1Length = load<u32>(cachedLengths + (<usize>secondSlot << 2));
    return;
  }
  encodeArg(first);
  const firstInScratch = arg0 == scratchBlock();
  arg1 = utf8Of(second, slotOf(first), firstInScratch ? arg0Length : 0);
  arg1Length = utf8Length;
  if (firstInScratch) arg0 = scratchBlock(); // scratch may have moved
}

// Collection: the `minimal` runtimes never collect on their own, so the SDK collects after callbacks,
// when nothing managed is on the stack. With the SDK's runtime (runtime.ts) it collects once the heap
// has grown by as much as was live after the last collection (at least COLLECT_AFTER_BYTES), so memory
// stays within about twice what is live while a collection, which walks every live object, stays rare.
// With AssemblyScript's own `minimal` runtime it collects every 16 finished callbacks, and at once when
// the heap had to grow.
const COLLECT_AFTER_BYTES: usize = 16 << 10;
const COLLECT_EVERY: u32 = 16;
let callbacksSinceCollect: u32 = 0;
let pagesAtCollect: i32 = 0;
/** With the SDK's runtime: collect once the heap holds more than this. */
let collectAbove: usize = COLLECT_AFTER_BYTES;

/** Frees garbage if it is time to (inlined: usually one comparison). Call only with no managed value live on the stack. */
// @ts-ignore: decorator
@inline
export function collectGarbage(): void {
  if (ASC_RUNTIME == 1) {
    // @ts-ignore: defined by the SDK's runtime (runtime.ts), absent from AssemblyScript's
    if (isDefined(__heapInUse)) {
      // @ts-ignore: see above
      if (__heapInUse > collectAbove) collectAndSetLimit();
    } else {
      countAndCollect();
    }
  }
}

function collectAndSetLimit(): void {
  // @ts-ignore: a runtime builtin that asc knows; AssemblyScript's editor types omit it
  __collect();
  // @ts-ignore: defined by the SDK's runtime
  const live: usize = __heapInUse;
  collectAbove = live + max(live, COLLECT_AFTER_BYTES);
}

function countAndCollect(): void {
  if (++callbacksSinceCollect < COLLECT_EVERY && memory.size() == pagesAtCollect) return;
  // @ts-ignore: a runtime builtin that asc knows; AssemblyScript's editor types (std/assembly.json) omit it
  __collect();
  callbacksSinceCollect = 0;
  pagesAtCollect = memory.size();
}
