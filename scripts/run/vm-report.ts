/**
 * How `run` prints the in-VM stack of a VM it stopped: source locations first when the debug build's source
 * map is there ("at MyFilter#onRequestHeaders (filters/my-filter/index.ts:42:12)"), then cpp-host's
 * backtrace format, one frame a line.
 */
import type { WasmSourceMap } from "../host/source-map.ts";
import type { WasmFrame } from "./vm-stack.ts";

export function formatVmStack(frames: readonly WasmFrame[], sourceMap: WasmSourceMap | null): string[] {
  if (frames.length === 0) return [];
  const located = sourceMap?.describe(frames.map((f) => ({ offset: f.offset, name: f.functionName }))) ?? [];
  return [
    "[proxy] in-VM stack when it was stopped:",
    ...located.map((line) => `[proxy]     ${line}`),
    ...frames.map((f, i) => `[proxy] ${String(i).padStart(3, " ")}:  0x${f.offset.toString(16)} - ${f.functionName.replace(/^\$/, "")}`),
  ];
}
