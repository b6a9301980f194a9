import { reserveScratch } from "./scratch";
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

/** Where `encodeArgs` put the first and second string, and their UTF-8 lengths. */
export let arg0: usize = 0;
export let arg0Length: usize = 0;
export let arg1: usize = 0;
export let arg1Length: usize = 0;

/** UTF-8 encodes one string into scratch (arg0, arg0Length). */
export function encodeArg(value: string): void {
  arg0 = reserveScratch(maxUtf8Length(value));
  arg0Length = encodeUtf8(value, arg0);
}

/** UTF-8 encodes two strings into scratch, one after the other (arg0/arg0Length, arg1/arg1Length). */
export function encodeArgs(first: string, second: string): void {
  arg0 = reserveScratch(maxUtf8Length(first) + maxUtf8Length(second));
  arg0Length = encodeUtf8(first, arg0);
  arg1 = arg0 + arg0Length;
  arg1Length = encodeUtf8(second, arg1);
}

/** Callbacks between collections: each collection walks every live object, so batching saves time. */
const COLLECT_EVERY: u32 = 16;
let callbacksSinceCollect: u32 = 0;
let pagesAtCollect: i32 = 0;

/**
 * Frees garbage when the runtime is `minimal` (which never collects on its own): after every
 * COLLECT_EVERY finished callbacks, and at once when the heap had to grow, so memory stays flat.
 * Call only with no managed value live on the stack.
 */
export function collectGarbage(): void {
  if (ASC_RUNTIME == 1) {
    if (++callbacksSinceCollect < COLLECT_EVERY && memory.size() == pagesAtCollect) return;
    // @ts-ignore: a runtime builtin that asc knows; AssemblyScript's editor types (std/assembly.json) omit it
    __collect();
    callbacksSinceCollect = 0;
    pagesAtCollect = memory.size();
  }
}
