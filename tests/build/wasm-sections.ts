// Reads the parts of a WebAssembly binary that decide whether Envoy can load it: the type, import,
// function and export sections, whether there is a start section, and the custom section names.
// Only what the module tests need; the binary is assumed valid (wasm-validate checks that first).

export type ValueType = "i32" | "i64" | "f32" | "f64" | "v128" | "funcref" | "externref";

export interface Signature {
  params: ValueType[];
  results: ValueType[];
}

export type ExternalKind = "function" | "table" | "memory" | "global" | "tag";

export interface Import {
  module: string;
  name: string;
  kind: ExternalKind;
  /** For function imports: the signature. */
  signature?: Signature;
}

export interface Export {
  name: string;
  kind: ExternalKind;
  index: number;
}

export interface ModuleSections {
  types: Signature[];
  imports: Import[];
  exports: Export[];
  /** Signature of every function by function index (imported functions first). */
  functions: Signature[];
  hasStart: boolean;
  customSections: string[];
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

const KINDS: ExternalKind[] = ["function", "table", "memory", "global", "tag"];

class Reader {
  at = 0;
  constructor(readonly bytes: Uint8Array, readonly end = bytes.length) {}

  byte(): number {
    if (this.at >= this.end) throw new Error(`unexpected end of section at byte ${this.at}`);
    return this.bytes[this.at++];
  }

  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
      if (shift > 28) throw new Error("LEB128 u32 too long");
    }
  }

  name(): string {
    const length = this.u32();
    const text = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.at, length).toString("utf8");
    this.at += length;
    return text;
  }

  valueType(): ValueType {
    const code = this.byte();
    const type = VALUE_TYPES[code];
    if (type === undefined) throw new Error(`unknown value type 0x${code.toString(16)}`);
    return type;
  }

  limits(): void {
    const flags = this.byte();
    this.u32();
    if (flags & 1) this.u32();
  }
}

export function readSections(binary: Uint8Array): ModuleSections {
  if (binary.length < 8 || Buffer.from(binary.subarray(0, 4)).toString("latin1") !== "\0asm") {
    throw new Error("not a WebAssembly binary");
  }
  const sections: ModuleSections = { types: [], imports: [], exports: [], functions: [], hasStart: false, customSections: [] };
  const outer = new Reader(binary);
  outer.at = 8;
  while (outer.at < binary.length) {
    const id = outer.byte();
    const size = outer.u32();
    const r = new Reader(binary, outer.at + size);
    r.at = outer.at;
    switch (id) {
      case 0:
        sections.customSections.push(r.name());
        break;
      case 1: // type
        for (let n = r.u32(); n > 0; n--) {
          if (r.byte() !== 0x60) throw new Error("type section entry is not a function type");
          const params = Array.from({ length: r.u32() }, () => r.valueType());
          const results = Array.from({ length: r.u32() }, () => r.valueType());
          sections.types.push({ params, results });
        }
        break;
      case 2: // import
        for (let n = r.u32(); n > 0; n--) {
          const module = r.name();
          const name = r.name();
          const kind = KINDS[r.byte()];
          const entry: Import = { module, name, kind };
          if (kind === "function") {
            entry.signature = sections.types[r.u32()];
            sections.functions.push(entry.signature);
          } else if (kind === "table") {
            r.valueType();
            r.limits();
          } else if (kind === "memory") {
            r.limits();
          } else if (kind === "global") {
            r.valueType();
            r.byte();
          } else {
            r.byte();
            r.u32();
          }
          sections.imports.push(entry);
        }
        break;
      case 3: // function
        for (let n = r.u32(); n > 0; n--) sections.functions.push(sections.types[r.u32()]);
        break;
      case 7: // export
        for (let n = r.u32(); n > 0; n--) {
          const name = r.name();
          const kind = KINDS[r.byte()];
          sections.exports.push({ name, kind, index: r.u32() });
        }
        break;
      case 8:
        sections.hasStart = true;
        break;
    }
    outer.at += size;
  }
  return sections;
}

export function formatSignature(signature: Signature | undefined): string {
  if (signature === undefined) return "(none)";
  return `(${signature.params.join(",")})->(${signature.results.join(",")})`;
}
