/**
 * JSON numbers that a double cannot hold exactly. `JSON.parse` silently rounds them
 * (`12345678901234567890` → `12345678901234567000`), and so does every consumer that stores JSON numbers
 * as doubles (protobuf Struct, hence Istio's WasmPlugin.pluginConfig).
 */

/** Significant digits and the power of ten of the last one: `1.50e3` → ["15", 2]. */
function decimal(token: string): [string, number] {
  const [mantissa, exponent = "0"] = token.replace(/^-/, "").toLowerCase().split("e");
  const [whole = "", fraction = ""] = mantissa!.split(".");
  let digits = (whole + fraction).replace(/^0+/, "");
  let power = Number(exponent) - fraction.length;
  while (digits.endsWith("0")) {
    digits = digits.slice(0, -1);
    power += 1;
  }
  return digits === "" ? ["0", 0] : [digits, power];
}

/** The number tokens of well-formed JSON `text` (outside strings) that do not survive a round trip through a double. */
export function inexactNumbers(text: string): string[] {
  const inexact: string[] = [];
  const token = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
  for (const match of text.matchAll(token)) {
    const literal = match[0];
    if (literal.startsWith('"')) continue;
    const value = Number(literal);
    const [digits, power] = decimal(literal);
    const [roundTrip, roundTripPower] = Number.isFinite(value) ? decimal(String(value)) : ["", NaN];
    if (digits !== roundTrip || power !== roundTripPower) inexact.push(literal);
  }
  return inexact;
}
