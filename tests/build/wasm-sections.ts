// The parts of a WebAssembly binary that decide whether Envoy can load it (types, imports, function
// signatures, exports, start section, custom section names), in the shape the module tests use, read
// through the toolchain's one wasm reader (scripts/wasm/reader.ts).
import { readWasm, type ValueType } from "../../scripts/wasm/reader.ts";

export type { ValueType };

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

const kindName = (kind: string): ExternalKind => (kind === "func" ? "function" : (kind as ExternalKind));

export function readSections(binary: Uint8Array): ModuleSections {
  const module = readWasm(binary);
  return {
    types: module.types,
    imports: module.imports.map((i) => ({ module: i.module, name: i.name, kind: kindName(i.kind), ...(i.type ? { signature: i.type } : {}) })),
    exports: module.exports.map((e) => ({ name: e.name, kind: kindName(e.kind), index: e.index })),
    functions: module.functions as Signature[],
    hasStart: module.hasStart,
    customSections: module.customSections,
  };
}

export function formatSignature(signature: Signature | undefined): string {
  if (signature === undefined) return "(none)";
  return `(${signature.params.join(",")})->(${signature.results.join(",")})`;
}
