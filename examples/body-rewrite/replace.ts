// Byte-level search and replace. UTF-8 text can be replaced byte-wise: a valid UTF-8 pattern never
// matches in the middle of a character, and bytes that are not UTF-8 pass through untouched.
//
// One pass over the input: find the pattern's first byte eight bytes at a time, compare the rest only
// there, and copy the stretches between matches and the replacement to the output as matches are found.

/** Memory of our own that grows and is reused, for results handed to the host. */
export class Block {
  pointer: usize = 0;
  capacity: usize = 0;

  /** At least `size` bytes (the content is not kept when it grows). */
  reserve(size: usize): usize {
    if (size > this.capacity) {
      if (this.pointer != 0) heap.free(this.pointer);
      this.capacity = max<usize>(size, 4096);
      this.pointer = heap.alloc(this.capacity);
    }
    return this.pointer;
  }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/** The first position in [at, last] holding `first`, or last + 1. */
// @ts-ignore: decorator
@inline
function findByte(at: usize, last: usize, first: u32, firsts: u64): usize {
  // Eight bytes at a time: a byte equal to `first` is a zero byte of word ^ firsts.
  while (at + 8 <= last + 1) {
    const word = load<u64>(at) ^ firsts;
    const zeros = (word - ONES) & ~word & HIGHS;
    if (zeros != 0) return at + <usize>(ctz(zeros) >> 3);
    at += 8;
  }
  while (at <= last && <u32>load<u8>(at) != first) at++;
  return at;
}

/**
 * Replaces every non-overlapping copy of the `patternSize` bytes at `pattern` (left to right) in the
 * `size` bytes at `input` with the `replacementSize` bytes at `replacement`, writing the result to
 * `output`. Returns the result's length, or -1 when nothing matched (output untouched).
 */
export function replaceAll(input: usize, size: usize, pattern: usize, patternSize: usize, replacement: usize, replacementSize: usize, output: Block): isize {
  if (patternSize == 0 || patternSize > size) return -1;
  const first = <u32>load<u8>(pattern);
  const firsts = <u64>first * ONES;
  const last = input + size - patternSize;
  let out: usize = 0;
  let written: usize = 0;
  let copied = input;
  let at = input;
  while (true) {
    at = findByte(at, last, first, firsts);
    if (at > last) break;
    let i: usize = 1;
    while (i < patternSize && load<u8>(at + i) == load<u8>(pattern + i)) i++;
    if (i < patternSize) {
      at++;
      continue;
    }
    if (out == 0) {
      // The largest result: every remaining pattern-sized stretch replaced.
      const growth = replacementSize > patternSize ? (size / patternSize) * (replacementSize - patternSize) : 0;
      out = output.reserve(size + growth);
      written = out;
    }
    memory.copy(written, copied, at - copied);
    written += at - copied;
    memory.copy(written, replacement, replacementSize);
    written += replacementSize;
    at += patternSize;
    copied = at;
  }
  if (out == 0) return -1;
  const rest = input + size - copied;
  memory.copy(written, copied, rest);
  return <isize>(written + rest - out);
}
