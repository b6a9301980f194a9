// A node:http server on 127.0.0.1 whose GET /?mib=N answers N MiB (fractions allowed) of "colour colour …"
// with a content-length, written with backpressure: the big bodies of the `run` tests and bench/run-throughput.ts.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { writeRepeated } from "./write-repeated.ts";

export const MiB = 1024 * 1024;

/** "colour " repeated a whole number of times, so the text runs on across blocks. */
const BLOCK = Buffer.alloc(7 * 9000, "colour ");

/** The size of `bytes` of that text once every "colour " became "color " (body-rewrite's replacement). */
export function rewrittenSize(bytes: number): number {
  return bytes - Math.floor(bytes / 7);
}

export interface ColourUpstream {
  url: string;
  close(): Promise<void>;
}

export async function startColourUpstream(): Promise<ColourUpstream> {
  const server: Server = createServer((req, res) => {
    const total = Math.floor(Number(new URL(req.url ?? "/", "http://x").searchParams.get("mib")) * MiB);
    req.resume();
    res.writeHead(200, { "content-type": "text/plain", "content-length": total });
    void writeRepeated(res, BLOCK, total);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
