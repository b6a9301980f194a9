/**
 * A minimal, reproducible tar (ustar) writer and a tolerant reader (ustar, pax `path`, GNU long names),
 * enough for the compat variant's `plugin.wasm` layer. Compression is node:zlib's gzip, whose header
 * carries no timestamp, so equal inputs give equal digests.
 */
import { gunzipSync, gzipSync } from "node:zlib";

export interface TarEntry {
  name: string;
  data: Uint8Array;
}

const BLOCK = 512;
const encoder = new TextEncoder();

function writeString(header: Uint8Array, offset: number, length: number, value: string): void {
  const bytes = encoder.encode(value);
  if (bytes.byteLength > length) throw new Error(`tar: "${value}" does not fit in ${length} bytes`);
  header.set(bytes, offset);
}

function writeOctal(header: Uint8Array, offset: number, length: number, value: number): void {
  writeString(header, offset, length, value.toString(8).padStart(length - 1, "0"));
}

function headerFor(name: string, size: number): Uint8Array {
  const header = new Uint8Array(BLOCK);
  writeString(header, 0, 100, name);
  writeOctal(header, 100, 8, 0o644); // mode
  writeOctal(header, 108, 8, 0); // uid
  writeOctal(header, 116, 8, 0); // gid
  writeOctal(header, 124, 12, size);
  writeOctal(header, 136, 12, 0); // mtime: the epoch, for reproducible digests
  header.fill(0x20, 148, 156); // checksum field counts as spaces
  header[156] = 0x30; // typeflag '0': regular file
  writeString(header, 257, 6, "ustar");
  writeString(header, 263, 2, "00");
  let sum = 0;
  for (const byte of header) sum += byte;
  writeString(header, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return header;
}

/** A tar archive of regular files (mode 0644, uid/gid 0, mtime 0), in the order given. */
export function createTar(entries: readonly TarEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const entry of entries) {
    parts.push(headerFor(entry.name, entry.data.byteLength), entry.data);
    const pad = (BLOCK - (entry.data.byteLength % BLOCK)) % BLOCK;
    if (pad > 0) parts.push(new Uint8Array(pad));
  }
  parts.push(new Uint8Array(BLOCK * 2));
  return concat(parts);
}

export function gzip(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(gzipSync(bytes, { level: 9 }));
}

export function gunzip(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(gunzipSync(bytes));
}

function readString(block: Uint8Array, offset: number, length: number): string {
  const slice = block.subarray(offset, offset + length);
  const end = slice.indexOf(0);
  return new TextDecoder().decode(end >= 0 ? slice.subarray(0, end) : slice);
}

function readSize(block: Uint8Array): number {
  if ((block[124]! & 0x80) !== 0) {
    let value = 0;
    for (let i = 125; i < 136; i++) value = value * 256 + block[i]!;
    return value;
  }
  const text = readString(block, 124, 12).trim();
  return text === "" ? 0 : parseInt(text, 8);
}

/** The regular files of a tar archive; throws on a corrupt header. */
export function readTar(archive: Uint8Array): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  while (offset + BLOCK <= archive.byteLength) {
    const block = archive.subarray(offset, offset + BLOCK);
    if (block.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
    const recorded = parseInt(readString(block, 148, 8).trim(), 8);
    if (recorded !== sum) throw new Error(`tar: bad header checksum at offset ${offset}`);
    const size = readSize(block);
    if (!Number.isSafeInteger(size) || size < 0) throw new Error(`tar: bad size at offset ${offset}`);
    const type = String.fromCharCode(block[156]!);
    const dataStart = offset + BLOCK;
    if (dataStart + size > archive.byteLength) throw new Error("tar: entry runs past the end of the archive");
    const data = archive.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === "x") {
      const path = /(?:^|\n)[0-9]+ path=([^\n]*)\n/.exec(new TextDecoder().decode(data));
      if (path) longName = path[1];
      continue;
    }
    if (type === "L") {
      longName = readString(data, 0, data.byteLength);
      continue;
    }
    const prefix = readString(block, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${readString(block, 0, 100)}` : readString(block, 0, 100));
    longName = undefined;
    if (type === "0" || type === "\0" || type === "7") entries.push({ name, data: new Uint8Array(data) });
  }
  return entries;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
