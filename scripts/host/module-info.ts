// Reads what a host needs from a wasm binary: function types of imports and exports, memory limits,
// the start section and function names. Node does not type-check imports or exports (docs/abi.md §8 N1/N2),
// so the emulator checks them itself from these sections, like V8's C API does inside Envoy.
// The decoding is the toolchain's one wasm reader (scripts/wasm/reader.ts); this file shapes its result
// for the host and rewrites the memory limit.
import { readWasm, type FuncType, type Limits } from "../wasm/reader.ts";
import { unsignedLeb128 } from "../wasm/leb128.ts";

export type { Limits };

export interface ImportEntry {
  module: string;
  name: string;
  kind: "func" | "table" | "memory" | "global";
  /** "i32 i32 -> i32" as cpp-host prints it, for functions. */
  type?: string;
  limits?: Limits;
}

export interface ExportEntry {
  name: string;
  kind: "func" | "table" | "memory" | "global";
  index: number;
  type?: string;
}

export interface ModuleInfo {
  imports: ImportEntry[];
  exports: ExportEntry[];
  /** Limits of the memory the module defines itself (null if it imports its memory or has none). */
  memory: Limits | null;
  hasStart: boolean;
  functionNames: Map<number, string>;
  importedFunctionCount: number;
  /** Byte range of the memory section's payload, for the 1 GiB cap rewrite. */
  memorySection: { header: number; end: number } | null;
}

/** Formats a signature the way cpp-host's printValTypes does: "i32 i32 -> i32", "void" when empty. */
export function formatSignature(params: string[], results: string[]): string {
  return `${params.length ? params.join(" ") : "void"} -> ${results.length ? results.join(" ") : "void"}`;
}

/** The module is malformed (the toolchain's one wasm reader, scripts/wasm/reader.ts, throws it). */
export { WasmFormatError as ModuleFormatError } from "../wasm/reader.ts";

const typeText = (type: FuncType | undefined): string | undefined => (type ? formatSignature(type.params, type.results) : undefined);

export function readModuleInfo(bytes: Uint8Array): ModuleInfo {
  const module = readWasm(bytes);
  const imports: ImportEntry[] = module.imports.map((i) => {
    const entry: ImportEntry = { module: i.module, name: i.name, kind: i.kind as ImportEntry["kind"] };
    const type = typeText(i.type);
    if (type !== undefined) entry.type = type;
    if (i.limits) entry.limits = i.limits;
    return entry;
  });
  const exports: ExportEntry[] = module.exports.map((e) => {
    const entry: ExportEntry = { name: e.name, kind: e.kind as ExportEntry["kind"], index: e.index };
    const type = e.kind === "func" ? typeText(module.functions[e.index]) : undefined;
    if (type !== undefined) entry.type = type;
    return entry;
  });
  return {
    imports,
    exports,
    memory: module.memory,
    hasStart: module.hasStart,
    functionNames: module.functionNames,
    importedFunctionCount: module.importedFunctionCount,
    memorySection: module.memorySection,
  };
}

/**
 * Returns the module with its own memory's maximum lowered to `maxPages` (Envoy runs V8 with
 * --wasm-max-mem-pages=16384, so memory.grow beyond 1 GiB returns -1). Unchanged if already lower.
 */
export function capMemory(bytes: Uint8Array, info: ModuleInfo, maxPages: number): Uint8Array {
  const mem = info.memory;
  const section = info.memorySection;
  if (!mem || !section || mem.min > maxPages || (mem.max !== null && mem.max <= maxPages)) return bytes;
  const payload = [...unsignedLeb128(1), (mem.shared ? 2 : 0) | 1, ...unsignedLeb128(mem.min), ...unsignedLeb128(maxPages)];
  const header = [5, ...unsignedLeb128(payload.length)];
  const headerStart = section.header;
  const out = new Uint8Array(bytes.length - (section.end - headerStart) + header.length + payload.length);
  out.set(bytes.subarray(0, headerStart), 0);
  out.set(header, headerStart);
  out.set(payload, headerStart + header.length);
  out.set(bytes.subarray(section.end), headerStart + header.length + payload.length);
  return out;
}

/**
 * The module as the emulator compiles it (memory maximum capped like Envoy's V8 flags do) and how that moved
 * the code: offsets V8 reports from `shift.from` on are `shift.by` bytes past the same code in the file.
 */
export function cappedModule(bytes: Uint8Array, info: ModuleInfo, maxPages: number): { bytes: Uint8Array; shift: { from: number; by: number } } {
  const capped = capMemory(bytes, info, maxPages);
  const by = capped.length - bytes.length;
  const from = by !== 0 && info.memorySection ? info.memorySection.end + by : Infinity;
  return { bytes: capped, shift: { from, by } };
}
