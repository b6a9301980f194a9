/**
 * Just enough of the wasm binary format to refuse bad input before any network traffic: the magic and
 * version, the section framing, and the export names (for `proxy_abi_version_*`).
 */
export const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d] as const;
const EXPORT_SECTION = 7;

export interface WasmModuleInfo {
  size: number;
  exports: string[];
  /** ABI versions from `proxy_abi_version_X_Y_Z` exports, as wasme writes them: `vX.Y.Z`. */
  abiVersions: string[];
}

/** True when `bytes` start with `\0asm` and binary version 1. */
export function hasWasmHeader(bytes: Uint8Array): boolean {
  return (
    bytes.byteLength >= 8 &&
    WASM_MAGIC.every((b, i) => bytes[i] === b) &&
    bytes[4] === 1 &&
    bytes[5] === 0 &&
    bytes[6] === 0 &&
    bytes[7] === 0
  );
}

/** Parses the module header and export section; throws an Error with a one-line reason if malformed. */
export function readWasmModule(bytes: Uint8Array): WasmModuleInfo {
  if (bytes.byteLength < 8 || !WASM_MAGIC.every((b, i) => bytes[i] === b)) {
    throw new Error("not a wasm module (no \\0asm magic)");
  }
  const version = bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16) | (bytes[7]! << 24);
  if (version !== 1) throw new Error(`unsupported wasm binary version ${version} (expected 1)`);
  let offset = 8;
  const readU32 = (limit: number): number => {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      if (offset >= limit) throw new Error("malformed wasm module (truncated LEB128)");
      const byte = bytes[offset++]!;
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7;
    }
    throw new Error("malformed wasm module (LEB128 too long)");
  };
  const exports: string[] = [];
  const decoder = new TextDecoder("utf-8", { fatal: true });
  while (offset < bytes.byteLength) {
    const id = bytes[offset++]!;
    const size = readU32(bytes.byteLength);
    const end = offset + size;
    if (end > bytes.byteLength) throw new Error(`malformed wasm module (section ${id} runs past the end)`);
    if (id === EXPORT_SECTION) {
      const count = readU32(end);
      for (let i = 0; i < count; i++) {
        const length = readU32(end);
        if (offset + length > end) throw new Error("malformed wasm module (export name runs past its section)");
        exports.push(decoder.decode(bytes.subarray(offset, offset + length)));
        offset += length;
        offset += 1; // kind
        readU32(end); // index
      }
      if (offset !== end) throw new Error("malformed wasm module (export section size mismatch)");
    }
    offset = end;
  }
  const abiVersions = exports
    .map((name) => /^proxy_abi_version_([0-9]+)_([0-9]+)_([0-9]+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `v${m[1]}.${m[2]}.${m[3]}`);
  return { size: bytes.byteLength, exports, abiVersions };
}

/** True if the module exports any `proxy_abi_version_*` function (what Envoy looks for). */
export function hasProxyAbiExport(info: WasmModuleInfo): boolean {
  return info.exports.some((name) => name.startsWith("proxy_abi_version_"));
}
