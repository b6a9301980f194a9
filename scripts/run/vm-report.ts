/** How `run` prints the in-VM stack of a VM it stopped: cpp-host's backtrace format, one frame a line. */
import type { WasmFrame } from "./vm-stack.ts";

export function formatVmStack(frames: readonly WasmFrame[]): string[] {
  if (frames.length === 0) return [];
  return [
    "[proxy] in-VM stack when it was stopped:",
    ...frames.map((f, i) => `[proxy] ${String(i).padStart(3, " ")}:  0x${f.offset.toString(16)} - ${f.functionName.replace(/^\$/, "")}`),
  ];
}
