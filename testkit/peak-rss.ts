/**
 * The peak RSS of a Node child process: run it with `env()` merged into its environment (a preload
 * records `maxRSS` at exit) and read the figure afterwards with `bytes()`.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const PRELOAD = fileURLToPath(new URL("./peak-rss-preload.cjs", import.meta.url));

export interface PeakRss {
  /** Environment for the child (NODE_OPTIONS with the preload, and where it writes). */
  env(): Record<string, string>;
  /** The child's peak RSS in bytes (throws if it did not report one). */
  bytes(): number;
  remove(): void;
}

export function peakRss(): PeakRss {
  const dir = mkdtempSync(join(tmpdir(), "peak-rss-"));
  const file = join(dir, "rss");
  return {
    env: () => ({ NODE_OPTIONS: `--require ${PRELOAD}`, PEAK_RSS_FILE: file }),
    bytes: () => Number(readFileSync(file, "utf8")),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
