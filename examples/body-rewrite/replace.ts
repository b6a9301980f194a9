// Byte-level search and replace. UTF-8 text can be replaced byte-wise: a valid UTF-8 pattern never
// matches in the middle of a character, and bytes that are not UTF-8 pass through untouched.

function matchAt(data: usize, pattern: usize, length: usize): bool {
  return memory.compare(data, pattern, length) == 0;
}

/** `data` with every non-overlapping `from` (left to right) replaced by `to`; null when nothing matched. */
export function replaceAll(data: ArrayBuffer, from: ArrayBuffer, to: ArrayBuffer): ArrayBuffer | null {
  const size = <usize>data.byteLength;
  const patternSize = <usize>from.byteLength;
  if (patternSize == 0 || patternSize > size) return null;
  const base = changetype<usize>(data);
  const pattern = changetype<usize>(from);
  const last = size - patternSize;

  let matches: usize = 0;
  for (let i: usize = 0; i <= last; ) {
    if (matchAt(base + i, pattern, patternSize)) {
      matches++;
      i += patternSize;
    } else {
      i++;
    }
  }
  if (matches == 0) return null;

  const replacementSize = <usize>to.byteLength;
  const result = new ArrayBuffer(<i32>(size - matches * patternSize + matches * replacementSize));
  let out = changetype<usize>(result);
  let copied: usize = 0;
  for (let i: usize = 0; i <= last; ) {
    if (matchAt(base + i, pattern, patternSize)) {
      memory.copy(out, base + copied, i - copied);
      out += i - copied;
      memory.copy(out, changetype<usize>(to), replacementSize);
      out += replacementSize;
      i += patternSize;
      copied = i;
    } else {
      i++;
    }
  }
  memory.copy(out, base + copied, size - copied);
  return result;
}
