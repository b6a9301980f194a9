// Where a wasm offset comes from in the filter's source: the debug build's source map (asc --sourceMap;
// `proxy-wasm build` writes build/<name>.debug.wasm.map and names it in the module's sourceMappingURL
// section). A source map for wasm has one generated line whose columns are byte offsets in the module, the
// offsets V8 prints as `wasm-function[12]:0x27e1`. Node's own SourceMap class reads it.

import { existsSync, readFileSync, statSync } from "node:fs";
import { SourceMap, type SourceMapPayload } from "node:module";
import { dirname, resolve } from "node:path";

/** A place in the source: the file as the compiler named it (relative to the project root), 1-based line and column. */
export interface SourceLocation {
  source: string;
  line: number;
  column: number;
}

/** One frame of an in-VM stack: the module offset and the function's name from the name section. */
export interface WasmStackFrame {
  offset: number;
  name: string;
}

/**
 * The emulator caps a module's memory maximum (as Envoy's V8 flags do) by rewriting its memory section,
 * which can move the code: offsets V8 reports from `from` on are `by` bytes past the module file's.
 */
export interface OffsetShift {
  from: number;
  by: number;
}

export const NO_SHIFT: OffsetShift = { from: Infinity, by: 0 };

/** The offset in the module file of an offset V8 reported. */
export function fileOffset(reported: number, shift: OffsetShift): number {
  return reported >= shift.from ? reported - shift.by : reported;
}

/** How far back (bytes) an unmapped offset may borrow the location of the instruction before it. */
const UNMAPPED_RUN = 16;

/** Source maps bigger than this are not read (a debug build's map is a few hundred KB). */
const MAX_MAP_BYTES = 64 * 1024 * 1024;

export class WasmSourceMap {
  private readonly map: SourceMap;

  /** `payload`: the map's JSON text or its parsed object. */
  constructor(payload: string | object) {
    const parsed = (typeof payload === "string" ? JSON.parse(payload) : payload) as SourceMapPayload;
    // asc writes a sourceRoot that is not a directory ("./name.debug"); its sources are already relative to
    // the project root. The sources' text is not needed.
    this.map = new SourceMap({ ...parsed, sourceRoot: "", sourcesContent: [] });
  }

  /** The map asc named in the module (sourceMappingURL, relative to the .wasm), else `<wasm>.map`; null if none. */
  static forModule(module: WebAssembly.Module, wasmPath: string): WasmSourceMap | null {
    const text = sourceMapText(module, wasmPath);
    if (text === null) return null;
    try {
      return new WasmSourceMap(text);
    } catch {
      return null; // a malformed map only costs the source locations
    }
  }

  /** The source location of a module offset, or null if the map says nothing about it. */
  locate(offset: number): SourceLocation | null {
    // asc leaves some instructions unmapped (a loop's branch back, block ends): take the closest mapped
    // instruction before it, a few bytes back at most, which is the statement it belongs to.
    for (let at = offset; at >= 0 && offset - at <= UNMAPPED_RUN; ) {
      const entry = this.map.findEntry(0, at) as Partial<{ generatedColumn: number; originalSource: string; originalLine: number; originalColumn: number }>;
      if (entry.originalSource !== undefined && entry.originalLine !== undefined) {
        return { source: entry.originalSource, line: entry.originalLine + 1, column: (entry.originalColumn ?? 0) + 1 };
      }
      if (entry.generatedColumn === undefined) return null;
      at = entry.generatedColumn - 1;
    }
    return null;
  }

  /**
   * JavaScript-style lines for the frames that map to a source, innermost first:
   * `at MyFilter#onRequestHeaders (filters/my-filter/index.ts:42:12)`.
   */
  describe(frames: readonly WasmStackFrame[]): string[] {
    const lines: string[] = [];
    for (const frame of frames) {
      const at = this.locate(frame.offset);
      if (at !== null) lines.push(`at ${shortFunctionName(frame.name)} (${at.source}:${at.line}:${at.column})`);
    }
    return lines;
  }
}

/** The text of the source map a module file names (sourceMappingURL, relative to it), else of `<wasm>.map`; null if none. */
export function sourceMapText(module: WebAssembly.Module | Uint8Array, wasmPath: string): string | null {
  let named: ArrayBuffer | undefined;
  try {
    const compiled = module instanceof WebAssembly.Module ? module : new WebAssembly.Module(module as Uint8Array<ArrayBuffer>);
    named = WebAssembly.Module.customSections(compiled, "sourceMappingURL")[0];
  } catch {
    return null;
  }
  const url = named ? readName(new Uint8Array(named)) : null;
  const candidates = [url !== null && !/^[a-z]+:/i.test(url) ? resolve(dirname(wasmPath), url) : null, `${wasmPath}.map`];
  for (const path of candidates) {
    if (path === null || !existsSync(path)) continue;
    try {
      if (statSync(path).size > MAX_MAP_BYTES) return null;
      return readFileSync(path, "utf8");
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * An AssemblyScript function name without its module path: `filters/x/index/MyFilter#onRequestHeaders` →
 * `MyFilter#onRequestHeaders`, `~lib/array/Array<~lib/string/String>#push` → `Array<~lib/string/String>#push`.
 */
export function shortFunctionName(name: string): string {
  const plain = name.replace(/^\$/, "");
  const end = plain.search(/[<#]/);
  const head = end < 0 ? plain : plain.slice(0, end);
  return plain.slice(head.lastIndexOf("/") + 1);
}

/** A wasm name (LEB128 length + UTF-8), as custom section payloads hold them. */
function readName(bytes: Uint8Array): string | null {
  let length = 0;
  let shift = 0;
  let pos = 0;
  for (;;) {
    if (pos >= bytes.length || shift > 28) return null;
    const byte = bytes[pos++]!;
    length |= (byte & 0x7f) << shift;
    shift += 7;
    if ((byte & 0x80) === 0) break;
  }
  if (pos + length > bytes.length) return null;
  return Buffer.from(bytes.subarray(pos, pos + length)).toString("utf8");
}
