// Big response bodies for tests and benches without holding them in memory: one block written again and
// again, with backpressure.
import type { ServerResponse } from "node:http";

/**
 * Writes `total` bytes of `block` repeated to `res` (waiting for "drain" when its buffer is full), then ends
 * it; resolves to the bytes written once the response closes (fewer if the client went away first).
 */
export function writeRepeated(res: ServerResponse, block: Buffer, total: number): Promise<number> {
  return new Promise((resolve) => {
    let written = 0;
    const pump = () => {
      while (written < total) {
        const piece = block.subarray(0, Math.min(block.length, total - written));
        written += piece.length;
        if (!res.write(piece)) return void res.once("drain", pump);
      }
      res.end();
    };
    res.on("close", () => resolve(written));
    pump();
  });
}
