import { decodeUtf8 } from "./utf8";

// Decimal text for numbers in log messages, without the generic (radix) number formatting of the
// standard library, which would add a table and an error message to every module.

/** `value` in decimal. */
export function decimal(value: u32): string {
  const digits = memory.data(10);
  let at = digits + 10;
  do {
    store<u8>(--at, 0x30 + value % 10);
    value /= 10;
  } while (value != 0);
  return decodeUtf8(at, digits + 10 - at);
}
