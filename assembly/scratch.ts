// The scratch area for arguments and decoding: one block that grows, never shrinks, and is reused by
// every call (memory.ts re-exports it; utf8.ts uses it without depending on memory.ts).

let scratch: usize = 0;
let scratchCapacity: usize = 0;

/** A scratch block of at least `size` bytes, valid until the next call that uses scratch. */
export function reserveScratch(size: usize): usize {
  if (size > scratchCapacity) {
    scratchCapacity = max<usize>(size, 256);
    if (scratch != 0) heap.free(scratch);
    scratch = heap.alloc(scratchCapacity);
  }
  return scratch;
}
