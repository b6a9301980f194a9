/**
 * The one WebAssembly binary reader of the toolchain: the emulator (scripts/host/module-info.ts), the
 * registry client (scripts/oci/wasm-module.ts) and the build tests (tests/build/wasm-sections.ts) all
 * read modules through it. It checks the framing (magic, version, section sizes, LEB128, UTF-8 names)
 * and decodes what a host or a deployer needs: types, imports, function types, exports, the module's
 * own memory, the start section, custom section names and function names. Code and data sections are
 * skipped unread, and a `ByteSource` lets it read a file in place, so a module of any size is checked
 * in bounded memory.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

export type ValueType = "i32" | "i64" | "f32" | "f64" | "v128" | "funcref" | "externref";
export type ExternalKind = "func" | "table" | "memory" | "global" | "tag";

export interface FuncType {
  params: ValueType[];
  results: ValueType[];
}

export interface Limits {
  min: number;
  max: number | null;
  shared: boolean;
}

export interface WasmImport {
  module: string;
  name: string;
  kind: ExternalKind;
  /** Function imports: the signature. */
  type?: FuncType;
  /** Table and memory imports. */
  limits?: Limits;
}

export interface WasmExport {
  name: string;
  kind: ExternalKind;
  index: number;
}

export interface WasmModule {
  /** Size of the binary in bytes. */
  size: number;
  types: FuncType[];
  imports: WasmImport[];
  /** Signature of every function by function index (imported functions first). */
  functions: Array<FuncType | undefined>;
  importedFunctionCount: number;
  exports: WasmExport[];
  /** Limits of the memory the module defines itself (null if it imports its memory or has none). */
  memory: Limits | null;
  /** Byte range of the memory section (header included), for rewriting its limits. */
  memorySection: { header: number; end: number } | null;
  hasStart: boolean;
  /** Names of the custom sections, in order. */
  customSections: string[];
  /** Function names from the `name` custom section (empty if absent or malformed). */
  functionNames: Map<number, string>;
}

/** The binary is not a well-formed module; the message is one line saying why. */
export class WasmFormatError extends Error {}

/** Random access to the bytes of a module (in memory, or a file read in place). */
export interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Uint8Array;
}

export function bytesSource(bytes: Uint8Array): ByteSource {
  return { size: bytes.byteLength, read: (offset, length) => bytes.subarray(offset, offset + length) };
}

/** A file read in place; close it when done. */
export function fileSource(path: string): ByteSource & { close(): void } {
  const fd = openSync(path, "r");
  const size = fstatSync(fd).size;
  return {
    size,
    read(offset, length) {
      const buffer = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
      let done = 0;
      while (done < buffer.byteLength) {
        const n = readSync(fd, buffer, done, buffer.byteLength - done, offset + done);
        if (n === 0) break;
        done += n;
      }
      return buffer.subarray(0, done);
    },
    close: () => closeSync(fd),
  };
}

const VALUE_TYPES: Record<number, ValueType> = {
  0x7f: "i32",
  0x7e: "i64",
  0x7d: "f32",
  0x7c: "f64",
  0x7b: "v128",
  0x70: "funcref",
  0x6f: "externref",
};
const KINDS: readonly ExternalKind[] = ["func", "table", "memory", "global", "tag"];
const MAGIC = [0x00, 0x61, 0x73, 0x6d];
/** Sections decoded here; the others (code, data, ...) are only framed. */
const DECODED = new Set([1, 2, 3, 5, 7]);
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Cursor over one section's payload. */
class Cursor {
  constructor(
    readonly bytes: Uint8Array,
    public pos = 0,
    readonly end = bytes.byteLength,
  ) {}
  byte(): number {
    if (this.pos >= this.end) throw new WasmFormatError("malformed wasm module (unexpected end of section)");
    return this.bytes[this.pos++]!;
  }
  u32(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
    throw new WasmFormatError("malformed wasm module (LEB128 too long)");
  }
  name(): string {
    const length = this.u32();
    if (this.pos + length > this.end) throw new WasmFormatError("malformed wasm module (name runs past its section)");
    let text: string;
    try {
      text = utf8.decode(this.bytes.subarray(this.pos, this.pos + length));
    } catch {
      throw new WasmFormatError("malformed wasm module (name is not UTF-8)");
    }
    this.pos += length;
    return text;
  }
  valueType(): ValueType {
    const code = this.byte();
    const type = VALUE_TYPES[code];
    if (type === undefined) throw new WasmFormatError(`malformed wasm module (unknown value type 0x${code.toString(16)})`);
    return type;
  }
  limits(): Limits {
    const flags = this.byte();
    if (flags > 3) throw new WasmFormatError(`malformed wasm module (unsupported limits flags ${flags})`);
    const min = this.u32();
    const max = flags & 1 ? this.u32() : null;
    return { min, max, shared: (flags & 2) !== 0 };
  }
  kind(): ExternalKind {
    const kind = KINDS[this.byte()];
    if (!kind) throw new WasmFormatError("malformed wasm module (unknown external kind)");
    return kind;
  }
}

/** Reads a section header's LEB128 straight from the source. */
function readHeaderU32(source: ByteSource, offset: number): { value: number; next: number } {
  const bytes = source.read(offset, 5);
  const cursor = new Cursor(bytes);
  try {
    return { value: cursor.u32(), next: offset + cursor.pos };
  } catch (error) {
    if (bytes.byteLength < 5) throw new WasmFormatError("malformed wasm module (truncated LEB128)");
    throw error;
  }
}

/** Decodes a module's structure; throws a WasmFormatError with a one-line reason if it is malformed. */
export function readWasm(input: Uint8Array | ByteSource): WasmModule {
  const source = input instanceof Uint8Array ? bytesSource(input) : input;
  const head = source.read(0, 8);
  if (head.byteLength < 4 || !MAGIC.every((b, i) => head[i] === b)) throw new WasmFormatError("not a wasm module (no \\0asm magic)");
  if (head.byteLength < 8) throw new WasmFormatError("malformed wasm module (truncated header)");
  const version = head[4]! | (head[5]! << 8) | (head[6]! << 16) | (head[7]! << 24);
  if (version !== 1) throw new WasmFormatError(`unsupported wasm binary version ${version} (expected 1)`);

  const module: WasmModule = {
    size: source.size,
    types: [],
    imports: [],
    functions: [],
    importedFunctionCount: 0,
    exports: [],
    memory: null,
    memorySection: null,
    hasStart: false,
    customSections: [],
    functionNames: new Map(),
  };
  const definedTypeIndices: number[] = [];
  let offset = 8;
  while (offset < source.size) {
    const header = offset;
    const id = source.read(offset, 1)[0]!;
    const { value: size, next } = readHeaderU32(source, offset + 1);
    const end = next + size;
    if (end > source.size) throw new WasmFormatError(`malformed wasm module (section ${id} runs past the end)`);
    if (id === 0) {
      // Only the name is read (a custom section may be huge); the `name` section whole, for backtraces.
      const name = customSectionName(source, next, end);
      module.customSections.push(name);
      if (name === "name") readFunctionNames(source.read(next, size), module.functionNames);
    } else if (id === 8) {
      module.hasStart = true;
    } else if (DECODED.has(id)) {
      const cursor = new Cursor(source.read(next, size));
      decodeSection(id, cursor, module, definedTypeIndices, header, end);
      if (cursor.pos !== cursor.end) throw new WasmFormatError(`malformed wasm module (section ${id} size mismatch)`);
    }
    offset = end;
  }
  module.importedFunctionCount = module.functions.length;
  for (const typeIndex of definedTypeIndices) module.functions.push(module.types[typeIndex]);
  return module;
}

function decodeSection(id: number, s: Cursor, module: WasmModule, definedTypeIndices: number[], header: number, end: number): void {
  switch (id) {
    case 1:
      for (let n = s.u32(); n > 0; n--) {
        if (s.byte() !== 0x60) throw new WasmFormatError("malformed wasm module (type is not a function type)");
        const params = Array.from({ length: s.u32() }, () => s.valueType());
        const results = Array.from({ length: s.u32() }, () => s.valueType());
        module.types.push({ params, results });
      }
      return;
    case 2:
      for (let n = s.u32(); n > 0; n--) {
        const entry: WasmImport = { module: s.name(), name: s.name(), kind: "func" };
        entry.kind = s.kind();
        if (entry.kind === "func") {
          const type = module.types[s.u32()];
          if (type === undefined) throw new WasmFormatError("malformed wasm module (import type index out of range)");
          entry.type = type;
          module.functions.push(type);
        } else if (entry.kind === "table") {
          s.valueType();
          entry.limits = s.limits();
        } else if (entry.kind === "memory") {
          entry.limits = s.limits();
        } else if (entry.kind === "global") {
          s.valueType();
          s.byte();
        } else {
          s.byte();
          s.u32();
        }
        module.imports.push(entry);
      }
      return;
    case 3:
      for (let n = s.u32(); n > 0; n--) definedTypeIndices.push(s.u32());
      return;
    case 5: {
      const count = s.u32();
      for (let i = 0; i < count; i++) {
        const limits = s.limits();
        if (i === 0) module.memory = limits;
      }
      module.memorySection = { header, end };
      return;
    }
    case 7:
      for (let n = s.u32(); n > 0; n--) {
        const name = s.name();
        const kind = s.kind();
        module.exports.push({ name, kind, index: s.u32() });
      }
      return;
  }
}

function customSectionName(source: ByteSource, start: number, end: number): string {
  const { value: length, next } = readHeaderU32(source, start);
  if (next + length > end) throw new WasmFormatError("malformed wasm module (custom section name runs past its section)");
  if (length > 64 * 1024) throw new WasmFormatError("malformed wasm module (custom section name longer than 64 KiB)");
  try {
    return utf8.decode(source.read(next, length));
  } catch {
    throw new WasmFormatError("malformed wasm module (name is not UTF-8)");
  }
}

function readFunctionNames(payload: Uint8Array, out: Map<number, string>): void {
  try {
    const s = new Cursor(payload);
    s.name(); // "name"
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
