/**
 * Tar (ustar) for the compat variant's `plugin.wasm` layer, as streams: a reproducible writer
 * (mode 0644, uid/gid 0, mtime 0) and a reader that hands over the data of the one entry it looks
 * for while skipping the rest, with every size bounded. Compression is node:zlib's gzip, whose
 * header carries no timestamp, so equal inputs give equal digests.
 */
import type { ByteStream } from "./content.ts";

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

export function tarHeader(name: string, size: number): Uint8Array {
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

export interface TarFile {
  name: string;
  size: number;
  open(): ByteStream;
}

/** A tar archive of regular files, in the order given. */
export async function* tarStream(files: readonly TarFile[]): ByteStream {
  for (const file of files) {
    yield tarHeader(file.name, file.size);
    let written = 0;
    for await (const chunk of file.open()) {
      written += chunk.byteLength;
      yield chunk;
    }
    if (written !== file.size) throw new Error(`tar: ${file.name} changed size while being packed`);
    const pad = (BLOCK - (file.size % BLOCK)) % BLOCK;
    if (pad > 0) yield new Uint8Array(pad);
  }
  yield new Uint8Array(BLOCK * 2);
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

export interface TarExtractOptions {
  /** Whether an entry (by its full name) is the one to extract; the first match wins. */
  wanted(name: string): boolean;
  /** Largest size the wanted entry may declare. */
  maxEntryBytes: number;
  /** Largest total of everything else (other files, pax and long-name records). */
  maxOtherBytes: number;
  /** Receives the wanted entry's data, in order. */
  onData(chunk: Uint8Array): Promise<void> | void;
}

export class TarFormatError extends Error {}

/** An entry, or the entries beside the module, exceed their limit. */
export class TarLimitError extends TarFormatError {}

/**
 * A push-driven tar reader (ustar, pax `path`, GNU long names). Feed it the archive's bytes with
 * `write`; it calls `onData` with the wanted entry's data and skips everything else. `complete` turns
 * true once the wanted entry has been read whole. Errors are TarFormatErrors (or the caller's own).
 */
export class TarExtractor {
  /** Names of the regular files seen (the first 20), for a "not found" message. */
  readonly names: string[] = [];
  found = false;
  complete = false;
  private header = new Uint8Array(BLOCK);
  private headerFill = 0;
  private state: "header" | "data" | "meta" | "skip" | "pad" | "end" = "header";
  private remaining = 0;
  private padding = 0;
  private other = 0;
  private meta: Uint8Array[] = [];
  private metaType = "";
  private longName: string | undefined;
  private offset = 0;

  constructor(private readonly options: TarExtractOptions) {}

  async write(chunk: Uint8Array): Promise<void> {
    let at = 0;
    while (at < chunk.byteLength && this.state !== "end") {
      if (this.state === "header") {
        const take = Math.min(BLOCK - this.headerFill, chunk.byteLength - at);
        this.header.set(chunk.subarray(at, at + take), this.headerFill);
        this.headerFill += take;
        at += take;
        if (this.headerFill === BLOCK) {
          this.headerFill = 0;
          this.startEntry();
          this.offset += BLOCK;
        }
        continue;
      }
      const take = Math.min(this.remaining, chunk.byteLength - at);
      const piece = chunk.subarray(at, at + take);
      at += take;
      this.remaining -= take;
      this.offset += take;
      if (this.state === "data") await this.options.onData(piece);
      else if (this.state === "meta") this.meta.push(piece.slice());
      if (this.remaining > 0) continue;
      if (this.state === "data") this.complete = true;
      if (this.state === "meta") this.endMeta();
      if (this.state === "pad" || this.padding === 0) {
        this.state = "header";
      } else {
        this.state = "pad";
        this.remaining = this.padding;
        this.padding = 0;
      }
    }
  }

  /** Throws if the archive ended inside the wanted entry. */
  finish(): void {
    if (this.found && !this.complete) throw new TarFormatError("tar: the archive ends inside the module's entry");
  }

  private startEntry(): void {
    const block = this.header;
    if (block.every((b) => b === 0)) {
      this.state = "end";
      return;
    }
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
    if (parseInt(readString(block, 148, 8).trim(), 8) !== sum) throw new TarFormatError(`tar: bad header checksum at offset ${this.offset}`);
    const size = readSize(block);
    if (!Number.isSafeInteger(size) || size < 0) throw new TarFormatError(`tar: bad size at offset ${this.offset}`);
    const type = String.fromCharCode(block[156]!);
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (type === "x" || type === "L" || type === "g") {
      this.countOther(size);
      this.state = "meta";
      this.metaType = type;
      this.meta = [];
    } else {
      const prefix = readString(block, 345, 155);
      const name = this.longName ?? (prefix ? `${prefix}/${readString(block, 0, 100)}` : readString(block, 0, 100));
      this.longName = undefined;
      const regular = type === "0" || type === "\0" || type === "7";
      if (regular && this.names.length < 20) this.names.push(name);
      if (regular && !this.found && this.options.wanted(name)) {
        if (size > this.options.maxEntryBytes) {
          throw new TarLimitError(`${name} declares ${size} bytes, more than the limit of ${this.options.maxEntryBytes}`);
        }
        this.found = true;
        this.state = "data";
        if (size === 0) this.complete = true;
      } else {
        this.countOther(size);
        this.state = "skip";
      }
    }
    if (this.remaining === 0) {
      if (this.state === "meta") this.endMeta();
      this.state = this.padding > 0 ? "pad" : "header";
      this.remaining = this.padding;
      this.padding = 0;
    }
  }

  private countOther(size: number): void {
    this.other += size;
    if (this.other > this.options.maxOtherBytes) {
      throw new TarLimitError(`the entries beside the module take more than ${this.options.maxOtherBytes} bytes`);
    }
  }

  private endMeta(): void {
    const text = new TextDecoder().decode(Buffer.concat(this.meta));
    if (this.metaType === "L") this.longName = text.replace(/\0+$/, "");
    if (this.metaType === "x") {
      const path = /(?:^|\n)[0-9]+ path=([^\n]*)\n/.exec(text);
      if (path) this.longName = path[1];
    }
    this.meta = [];
  }
}
