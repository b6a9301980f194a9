// The scratch area for arguments and decoding: one block that grows, never shrinks, and is reused by
// every call (memory.ts re-exports it; utf8.ts uses it without depending on memory.ts).

let scratch: usize = 0;
let scratchCapacity: usize = 0;

/** A scratch block of at least `size` bytes, valid until the next call that uses scratch; a new block keeps the first `keep` bytes. */
export function reserveScratch(size: usize, keep: usize = 0): usize {
  if (size > scratchCapacity) {
    scratchCapacity = max<usize>(size, 256);
    const old = scratch;
    scratch = heap.alloc(scratchCapacity);
    if (old != 0) {
      memory.copy(scratch, old, keep);
      heap.free(old);
    }
  }
  return scratch;
}

/** The current scratch block (0 before the first reserveScratch). */
export function scratchBlock(): usize {
  return scratch;
}
