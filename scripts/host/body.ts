// A byte buffer with Envoy's Buffer::Instance operations used by proxy_set_buffer_bytes.
//
// A body the filter buffers grows chunk by chunk: appends keep a list of chunks and the bytes are joined
// once, when someone reads them (the filter asks for the body, or it is forwarded), so buffering N bytes in
// k chunks costs O(N), not O(N·k) as a copy per append would.

import { Status } from "./constants.ts";

const EMPTY = Buffer.alloc(0);

export class Body {
  /** The bytes: the first chunk, or all chunks joined (once) when there are several. */
  private joined: Buffer;
  /** Chunks appended after `joined` and not joined yet. */
  private pending: Buffer[] | null = null;
  private size: number;
  readonly mutable: boolean;

  constructor(data: Uint8Array = EMPTY, mutable = true) {
    this.joined = data instanceof Buffer ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.size = this.joined.length;
    this.mutable = mutable;
  }

  get length(): number {
    return this.size;
  }

  /** All the bytes, as one buffer. */
  get data(): Buffer {
    if (this.pending !== null) {
      this.joined = Buffer.concat([this.joined, ...this.pending], this.size);
      this.pending = null;
    }
    return this.joined;
  }

  /** Replaces all the bytes. */
  set data(bytes: Buffer) {
    this.replace(bytes);
  }

  /** Adds a chunk at the end; the chunk is kept, not copied (callers hand over chunks they no longer change). */
  append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const bytes = chunk instanceof Buffer ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.size === 0) this.joined = bytes;
    else (this.pending ??= []).push(bytes);
    this.size += bytes.length;
  }

  /**
   * Envoy context.cc Buffer::copyFrom: start 0 drains `size` bytes (all of them when size covers the
   * buffer) and prepends; start at or past the end appends; anything in between is BadArgument.
   */
  copyFrom(start: number, size: number, bytes: Uint8Array): number {
    if (!this.mutable) return Status.BadArgument;
    if (start === 0) {
      this.replace(Buffer.concat([bytes, this.data.subarray(Math.min(size, this.size))]));
      return Status.Ok;
    }
    if (start >= this.size) {
      this.append(Buffer.from(bytes));
      return Status.Ok;
    }
    return Status.BadArgument;
  }

  /** The bytes, leaving the body empty. */
  take(): Buffer {
    const d = this.data;
    this.replace(EMPTY);
    return d;
  }

  private replace(data: Buffer): void {
    this.joined = data;
    this.pending = null;
    this.size = data.length;
  }
}

/** What proxy_get_buffer_bytes sees outside a body callback: an empty, unwritable buffer. */
export const ABSENT_BODY = new Body(EMPTY, false);
