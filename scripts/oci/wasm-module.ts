/**
 * What the registry client checks in a module before any network traffic, through the toolchain's
 * one wasm reader (scripts/wasm/reader.ts): the framing, and the export names (for
 * `proxy_abi_version_*`). A file is read in place, so a large module is never loaded whole.
 */
import { fileSource, readWasm, WasmFormatError, type ByteSource } from "../wasm/reader.ts";

export const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d] as const;

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

/** Parses a module (bytes, or a ByteSource); throws a WasmFormatError with a one-line reason if malformed. */
export function readWasmModule(input: Uint8Array | ByteSource): WasmModuleInfo {
  const module = readWasm(input);
  const exports = module.exports.map((e) => e.name);
  const abiVersions = exports
    .map((name) => /^proxy_abi_version_([0-9]+)_([0-9]+)_([0-9]+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `v${m[1]}.${m[2]}.${m[3]}`);
  return { size: module.size, exports, abiVersions };
}

/** Reads a module file in place. */
export function readWasmModuleFile(path: string): WasmModuleInfo {
  const source = fileSource(path);
  try {
    return readWasmModule(source);
  } finally {
    source.close();
  }
}

export { WasmFormatError };

/** True if the module exports any `proxy_abi_version_*` function (what Envoy looks for). */
export function hasProxyAbiExport(info: WasmModuleInfo): boolean {
  return info.exports.some((name) => name.startsWith("proxy_abi_version_"));
}
