// JSON arrays in configuration: splits an array's text into its elements' texts. Meant for values
// parseJsonObject has already validated (JsonObject.getRaw), so it only tracks strings and nesting;
// on other input it returns null or meaningless elements, never traps.

function isSpace(c: u32): bool {
  return c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d;
}

function element(from: usize, to: usize): string {
  while (from < to && isSpace(load<u16>(from))) from += 2;
  while (to > from && isSpace(load<u16>(to - 2))) to -= 2;
  return String.UTF16.decodeUnsafe(from, to - from);
}

/**
 * The elements of a JSON array as JSON texts (`["a", {"b": 1}]` gives `"a"` and `{"b": 1}`),
 * or null when `json` is not an array. Decode each with parseJsonObject or JsonObject helpers.
 */
export function jsonArrayElements(json: string): string[] | null {
  let at = changetype<usize>(json);
  const end = at + (<usize>json.length << 1);
  while (at < end && isSpace(load<u16>(at))) at += 2;
  if (at >= end || load<u16>(at) != 0x5b) return null;
  at += 2;
  const elements = new Array<string>();
  let start = at;
  let depth = 0;
  let inString = false;
  while (at < end) {
    const c = <u32>load<u16>(at);
    if (inString) {
      if (c == 0x5c) at += 2; // skip the escaped character
      else if (c == 0x22) inString = false;
    } else if (c == 0x22) {
      inString = true;
    } else if (c == 0x7b || c == 0x5b) {
      depth++;
    } else if (c == 0x7d || c == 0x5d) {
      if (depth == 0) {
        const last = element(start, at);
        if (last.length != 0 || elements.length != 0) elements.push(last);
        return elements;
      }
      depth--;
    } else if (c == 0x2c && depth == 0) {
      elements.push(element(start, at));
      start = at + 2;
    }
    at += 2;
  }
  return null;
}
