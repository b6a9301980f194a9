// Reads what a host needs from a wasm binary: function types of imports and exports, memory limits,
// the start section and function names. Node does not type-check imports or exports (docs/abi.md §8 N1/N2),
// so the emulator checks them itself from these sections, like V8's C API does inside Envoy.

export interface Limits {
  min: number;
  max: number | null;
  shared: boolean;
}

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

const VALTYPES: Record<number, string> = {
  0x7f: "i32",
  0x7e: "i64",
  0x7d: "f32",
  0x7c: "f64",
  0x7b: "v128",
  0x70: "funcref",
  0x6f: "externref",
};
const KINDS = ["func", "table", "memory", "global"] as const;

/** Formats a signature the way cpp-host's printValTypes does: "i32 i32 -> i32", "void" when empty. */
export function formatSignature(params: string[], results: string[]): string {
  return `${params.length ? params.join(" ") : "void"} -> ${results.length ? results.join(" ") : "void"}`;
}

export class ModuleFormatError extends Error {}

class Reader {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.pos = start;
  }
  byte(): number {
    if (this.pos >= this.end) throw new ModuleFormatError("unexpected end of section");
    return this.bytes[this.pos++]!;
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 35) throw new ModuleFormatError("LEB128 too long");
    }
  }
  name(): string {
    const len = this.u32();
    if (this.pos + len > this.end) throw new ModuleFormatError("name out of bounds");
    const s = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.pos, len).toString("utf8");
    this.pos += len;
    return s;
  }
  limits(): Limits {
    const flags = this.byte();
    if (flags > 3) throw new ModuleFormatError(`unsupported limits flags ${flags}`);
    const min = this.u32();
    const max = flags & 1 ? this.u32() : null;
    return { min, max, shared: (flags & 2) !== 0 };
  }
  valtype(): string {
    const b = this.byte();
    const t = VALTYPES[b];
    if (!t) throw new ModuleFormatError(`unknown value type 0x${b.toString(16)}`);
    return t;
  }
}

export function readModuleInfo(bytes: Uint8Array): ModuleInfo {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new ModuleFormatError("not a wasm binary (bad magic)");
  }
  if (bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0) {
    throw new ModuleFormatError("unsupported wasm binary version");
  }
  const types: string[] = [];
  const funcTypeIndices: number[] = [];
  const info: ModuleInfo = {
    imports: [],
    exports: [],
    memory: null,
    hasStart: false,
    functionNames: new Map(),
    importedFunctionCount: 0,
    memorySection: null,
  };
  const importedFuncTypes: string[] = [];
  const r = new Reader(bytes, 8);
  while (r.pos < bytes.length) {
    const header = r.pos;
    const id = r.byte();
    const size = r.u32();
    const start = r.pos;
    const end = start + size;
    if (end > bytes.length) throw new ModuleFormatError("section out of bounds");
    const s = new Reader(bytes, start, end);
    switch (id) {
      case 0: {
        if (s.name() === "name") readNames(s, info.functionNames);
        break;
      }
      case 1: {
        for (let n = s.u32(); n > 0; n--) {
          if (s.byte() !== 0x60) throw new ModuleFormatError("bad function type");
          const params: string[] = [];
          for (let p = s.u32(); p > 0; p--) params.push(s.valtype());
          const results: string[] = [];
          for (let q = s.u32(); q > 0; q--) results.push(s.valtype());
          types.push(formatSignature(params, results));
        }
        break;
      }
      case 2: {
        for (let n = s.u32(); n > 0; n--) {
          const module = s.name();
          const name = s.name();
          const kind = KINDS[s.byte()];
          if (!kind) throw new ModuleFormatError("bad import kind");
          const entry: ImportEntry = { module, name, kind };
          if (kind === "func") {
            const t = types[s.u32()];
            if (t === undefined) throw new ModuleFormatError("import type index out of range");
            entry.type = t;
            importedFuncTypes.push(t);
          } else if (kind === "table") {
            s.byte();
            entry.limits = s.limits();
          } else if (kind === "memory") {
            entry.limits = s.limits();
          } else {
            s.valtype();
            s.byte();
          }
          info.imports.push(entry);
        }
        break;
      }
      case 3: {
        for (let n = s.u32(); n > 0; n--) funcTypeIndices.push(s.u32());
        break;
      }
      case 5: {
        const n = s.u32();
        if (n > 0) info.memory = s.limits();
        info.memorySection = { header, end };
        break;
      }
      case 7: {
        for (let n = s.u32(); n > 0; n--) {
          const name = s.name();
          const kind = KINDS[s.byte()];
          if (!kind) throw new ModuleFormatError("bad export kind");
          info.exports.push({ name, kind, index: s.u32() });
        }
        break;
      }
      case 8:
        info.hasStart = true;
        break;
      default:
        break;
    }
    r.pos = end;
  }
  info.importedFunctionCount = importedFuncTypes.length;
  for (const e of info.exports) {
    if (e.kind !== "func") continue;
    e.type =
      e.index < importedFuncTypes.length
        ? importedFuncTypes[e.index]
        : types[funcTypeIndices[e.index - importedFuncTypes.length] ?? -1];
  }
  return info;
}

function readNames(s: Reader, out: Map<number, string>): void {
  try {
    while (s.pos < s.end) {
      const sub = s.byte();
      const size = s.u32();
      const next = s.pos + size;
      if (sub === 1) {
        for (let n = s.u32(); n > 0; n--) {
          const index = s.u32();
          out.set(index, s.name());
        }
      }
      s.pos = next;
    }
  } catch {
    // A malformed name section only loses backtrace names.
  }
}

function leb(value: number): number[] {
  const out: number[] = [];
  do {
    let b = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) b |= 0x80;
    out.push(b);
  } while (value !== 0);
  return out;
}

/**
 * Returns the module with its own memory's maximum lowered to `maxPages` (Envoy runs V8 with
 * --wasm-max-mem-pages=16384, so memory.grow beyond 1 GiB returns -1). Unchanged if already lower.
 */
export function capMemory(bytes: Uint8Array, info: ModuleInfo, maxPages: number): Uint8Array {
  const mem = info.memory;
  const section = info.memorySection;
  if (!mem || !section || mem.min > maxPages || (mem.max !== null && mem.max <= maxPages)) return bytes;
  const payload = [...leb(1), (mem.shared ? 2 : 0) | 1, ...leb(mem.min), ...leb(maxPages)];
  const header = [5, ...leb(payload.length)];
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
