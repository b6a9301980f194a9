// Unsigned LEB128, the variable-length integers of the wasm binary format (section sizes, counts, limits).

/** `value` (a non-negative integer) as unsigned LEB128 bytes. */
export function unsignedLeb128(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}
