// A mutable byte buffer with Envoy's Buffer::Instance operations used by proxy_set_buffer_bytes.

import { Status } from "./constants.ts";

const EMPTY = Buffer.alloc(0);

export class Body {
  data: Buffer;
  readonly mutable: boolean;

  constructor(data: Uint8Array = EMPTY, mutable = true) {
    this.data = data instanceof Buffer ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    this.mutable = mutable;
  }

  get length(): number {
    return this.data.length;
  }

  append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.data = this.data.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.data, chunk]);
  }

  /**
   * Envoy context.cc Buffer::copyFrom: start 0 drains `size` bytes (all of them when size covers the
   * buffer) and prepends; start at or past the end appends; anything in between is BadArgument.
   */
  copyFrom(start: number, size: number, bytes: Uint8Array): number {
    if (!this.mutable) return Status.BadArgument;
    if (start === 0) {
      this.data = Buffer.concat([bytes, this.data.subarray(Math.min(size, this.data.length))]);
      return Status.Ok;
    }
    if (start >= this.data.length) {
      this.data = Buffer.concat([this.data, bytes]);
      return Status.Ok;
    }
    return Status.BadArgument;
  }

  take(): Buffer {
    const d = this.data;
    this.data = EMPTY;
    return d;
  }
}

/** What proxy_get_buffer_bytes sees outside a body callback: an empty, unwritable buffer. */
export const ABSENT_BODY = new Body(EMPTY, false);
