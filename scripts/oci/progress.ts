/** Transfer progress for large blobs, drawn on one line of a terminal (never when stderr is a pipe). */
import type { TransferProgress } from "./store.ts";

export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

/** Reports blobs over `thresholdBytes` (default 1 MiB) on `stream` if it is a terminal; else undefined. */
export function terminalProgress(stream: ProgressStream, verb: string, thresholdBytes = 1024 * 1024): TransferProgress | undefined {
  if (!stream.isTTY) return undefined;
  let lastLine = "";
  return (digest, done, total) => {
    if (total <= thresholdBytes) return;
    const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
    const line = `${verb} ${digest.slice(0, 19)}… ${mib(done)}/${mib(total)} MiB ${String(percent).padStart(3)}%`;
    if (line === lastLine) return;
    lastLine = line;
    stream.write(`\r${line}${done >= total ? "\n" : ""}`);
  };
}

function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}
