/**
 * Writes a file whole or not at all: a temporary file beside it, renamed over it, so that a reader
 * (a proxy, a watcher, a test, skopeo) never sees half of it.
 */
import { renameSync, writeFileSync } from "node:fs";

export function writeFileAtomically(path: string, contents: Uint8Array | string): void {
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}
