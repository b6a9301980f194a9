// Whole numbers from text (configuration members, header values), without the standard library's
// generic number parsing.

/** `text` as a decimal integer (an optional `-`, then 1 to 18 digits), or `fallback` when it is not one. */
export function parseInteger(text: string | null, fallback: i64 = -1): i64 {
  if (text === null) return fallback;
  const length = text.length;
  const negative = length > 0 && text.charCodeAt(0) == 0x2d;
  const first = negative ? 1 : 0;
  if (length == first || length - first > 18) return fallback;
  let value: i64 = 0;
  for (let i = first; i < length; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (<u32>digit > 9) return fallback;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}
