// Views over the module's linear memory with cpp-host's bounds rules: any access outside memory is
// reported to the caller (who returns INVALID_MEMORY_ACCESS / WASI FAULT), never thrown.
// Views are recreated only when memory.grow detached the previous ArrayBuffer.

// Buffer#utf8Slice skips toString's argument handling; it is the hot path of every string hostcall.
const utf8Slice: (this: Buffer, start: number, end: number) => string =
  (Buffer.prototype as unknown as { utf8Slice?: (start: number, end: number) => string }).utf8Slice ??
  function (this: Buffer, start: number, end: number) {
    return this.toString("utf8", start, end);
  };

/** Short strings decoded at the same address are usually the same text (header names, static data). */
const RECENT_SLOTS = 64;
const RECENT_MAX_LEN = 16;

export class LinearMemory {
  private memory: WebAssembly.Memory | null = null;
  u8 = new Uint8Array(0);
  dv = new DataView(new ArrayBuffer(0));
  buf = Buffer.alloc(0);
  /** Per slot: the address and text of a recently decoded short ASCII string (reused if the bytes match). */
  private readonly recentAt = new Int32Array(RECENT_SLOTS).fill(-1);
  private readonly recent: string[] = new Array<string>(RECENT_SLOTS).fill("");

  attach(memory: WebAssembly.Memory | null): void {
    this.memory = memory;
    this.refresh();
  }

  get attached(): boolean {
    return this.memory !== null;
  }

  /** Call before touching memory: growth detaches old views (byteLength drops to 0). */
  sync(): void {
    if (this.u8.byteLength === 0 && this.memory !== null) this.refresh();
  }

  private refresh(): void {
    if (!this.memory) return;
    const ab = this.memory.buffer as ArrayBuffer;
    this.u8 = new Uint8Array(ab);
    this.dv = new DataView(ab);
    this.buf = Buffer.from(ab);
  }

  get size(): number {
    this.sync();
    return this.u8.byteLength;
  }

  /** True if [ptr, ptr+len) lies inside memory (pointers and sizes are unsigned 32-bit). */
  ok(ptr: number, len: number): boolean {
    this.sync();
    return (ptr >>> 0) + (len >>> 0) <= this.u8.byteLength;
  }

  string(ptr: number, len: number): string {
    ptr >>>= 0;
    len >>>= 0;
    if (len > RECENT_MAX_LEN || len === 0) return len === 0 ? "" : utf8Slice.call(this.buf, ptr, ptr + len);
    // Comparing a few bytes is much cheaper than a call into Buffer's decoder.
    const slot = (ptr ^ (ptr >>> 6) ^ len) & (RECENT_SLOTS - 1);
    const u8 = this.u8;
    if (this.recentAt[slot] === ptr) {
      const s = this.recent[slot]!;
      if (s.length === len) {
        let i = 0;
        while (i < len && s.charCodeAt(i) === u8[ptr + i]) i++;
        if (i === len) return s;
      }
    }
    const s = utf8Slice.call(this.buf, ptr, ptr + len);
    if (s.length === len) {
      // ASCII (one char per byte), so the byte comparison above is exact.
      this.recentAt[slot] = ptr;
      this.recent[slot] = s;
    }
    return s;
  }

  /** A copy of [ptr, ptr+len). */
  bytes(ptr: number, len: number): Buffer {
    ptr >>>= 0;
    return Buffer.from(this.u8.subarray(ptr, ptr + (len >>> 0)));
  }

  /** A view of [ptr, ptr+len) without copying (valid until the next VM call). */
  view(ptr: number, len: number): Uint8Array {
    ptr >>>= 0;
    return this.u8.subarray(ptr, ptr + (len >>> 0));
  }

  setU32(ptr: number, value: number): boolean {
    this.sync();
    ptr >>>= 0;
    if (ptr + 4 > this.u8.byteLength) return false;
    this.dv.setUint32(ptr, value >>> 0, true);
    return true;
  }

  setU64(ptr: number, value: bigint): boolean {
    this.sync();
    ptr >>>= 0;
    if (ptr + 8 > this.u8.byteLength) return false;
    this.dv.setBigUint64(ptr, BigInt.asUintN(64, value), true);
    return true;
  }

  getU32(ptr: number): number {
    return this.dv.getUint32(ptr >>> 0, true);
  }

  /** Writes bytes; caller has checked bounds. */
  write(ptr: number, data: Uint8Array): void {
    this.u8.set(data, ptr >>> 0);
  }

  /** Writes a string as UTF-8; caller has checked bounds; returns bytes written. */
  writeString(ptr: number, s: string, len: number): number {
    return this.buf.write(s, ptr >>> 0, len, "utf8");
  }

  snapshot(): Buffer {
    this.sync();
    return Buffer.from(this.u8);
  }
}
