// Modules of a chosen size for size limits and memory benches: a valid module followed by one custom
// section whose payload pads it out.
import { unsignedLeb128 } from "../scripts/wasm/leb128.ts";

/** What precedes `payloadLength` bytes of a custom section named `name`: its id (0), its size, its name. */
export function customSectionHead(name: string, payloadLength: number): Uint8Array {
  const nameBytes = new TextEncoder().encode(name);
  const content = unsignedLeb128(nameBytes.length).length + nameBytes.length + payloadLength;
  return Uint8Array.from([0, ...unsignedLeb128(content), ...unsignedLeb128(nameBytes.length), ...nameBytes]);
}
