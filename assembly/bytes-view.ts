// A view of bytes the host wrote into a block of ours (a body, a header value), read in place.
import { RETURN_PTR, RETURN_SIZE } from "./memory";
import { decodeUtf8 } from "./utf8";

/**
 * Bytes the host handed over, read where it wrote them (no copy): `pointer` and `length`, e.g.
 * `load<u8>(view.pointer + i)`. Valid until the buffer it came from is viewed again or release() is
 * called, when the SDK frees the host's block; copy out what must live longer (toArrayBuffer, toString).
 */
export class BytesView {
  private block: usize = 0;
  private size: usize = 0;

  get pointer(): usize {
    return this.block;
  }

  get length(): u32 {
    return <u32>this.size;
  }

  /** The bytes as a new ArrayBuffer. */
  toArrayBuffer(): ArrayBuffer {
    const bytes = new ArrayBuffer(<i32>this.size);
    memory.copy(changetype<usize>(bytes), this.block, this.size);
    return bytes;
  }

  /** The bytes decoded as UTF-8. */
  toString(): string {
    return decodeUtf8(this.block, this.size);
  }

  /** Frees the host's block now; the view is then empty. */
  release(): void {
    if (this.block != 0) heap.free(this.block);
    this.block = 0;
    this.size = 0;
  }

  /** Used by HostBuffer and HeaderMap: takes the host's (ptr, size) answer, freeing the previous block. */
  hold(): void {
    this.release();
    this.size = load<usize>(RETURN_SIZE);
    this.block = this.size != 0 ? load<usize>(RETURN_PTR) : 0;
  }
}

