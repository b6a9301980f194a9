// Host buffers: HTTP bodies, TCP data, configurations, callout replies, foreign-function arguments.
import { proxy_get_buffer_bytes, proxy_get_buffer_status, proxy_set_buffer_bytes } from "./abi/buffers";
import { BytesView } from "./bytes-view";
import { arg0, arg0Length, encodeArg, RETURN_PTR, RETURN_SIZE, takeBytes, takeString } from "./memory";
import { record, Status } from "./status";
import { BufferType } from "./types";

/** Largest read length we ask for: start + length stays below 2^32 for any start below 2^31. */
const WHOLE: u32 = <u32>i32.MAX_VALUE;
/** A start at or beyond the end: Envoy appends there. */
const END: u32 = u32.MAX_VALUE;

/** HostBuffer.getBytes of buffer `type`: also for a buffer read without its HostBuffer object (which then need not exist). */
// @ts-ignore: decorator
@inline
export function bufferBytes(type: BufferType, start: u32 = 0, length: u32 = WHOLE): ArrayBuffer | null {
  if (record(proxy_get_buffer_bytes(type, start, length, RETURN_PTR, RETURN_SIZE)) != Status.Ok) return null;
  return takeBytes();
}

/** HostBuffer.getString of buffer `type`, as bufferBytes. */
// @ts-ignore: decorator
@inline
export function bufferString(type: BufferType, start: u32 = 0, length: u32 = WHOLE): string | null {
  if (record(proxy_get_buffer_bytes(type, start, length, RETURN_PTR, RETURN_SIZE)) != Status.Ok) return null;
  return takeString();
}

/**
 * One of the host's buffers. Writes follow Envoy's proxy_set_buffer_bytes: replace, prepend and
 * append are supported; writing into the middle is not (Status.BadArgument), nor is writing to
 * read-only buffers (configurations, callout replies).
 */
export class HostBuffer {
  /** The view `view()` hands out, reused: one host block at a time per buffer. */
  private lastView: BytesView | null = null;

  constructor(readonly type: BufferType) {}

  /**
   * Bytes [start, start + length) clamped to the buffer, read in place without copying, or null when
   * unavailable (see lastStatus()). The view is valid until the next view() of this buffer or its
   * release(): the fastest way to read a large body.
   */
  view(start: u32 = 0, length: u32 = WHOLE): BytesView | null {
    let view = this.lastView;
    if (view === null) this.lastView = view = new BytesView();
    else view.release();
    if (record(proxy_get_buffer_bytes(this.type, start, length, RETURN_PTR, RETURN_SIZE)) != Status.Ok) return null;
    view.hold();
    return view;
  }

  /** Bytes [start, start + length) clamped to the buffer, or null when unavailable (see lastStatus()). */
  getBytes(start: u32 = 0, length: u32 = WHOLE): ArrayBuffer | null {
    return bufferBytes(this.type, start, length);
  }

  /** The bytes as UTF-8 text, or null when unavailable. */
  getString(start: u32 = 0, length: u32 = WHOLE): string | null {
    return bufferString(this.type, start, length);
  }

  /** Current length in bytes, or -1 when unavailable. */
  length(): i32 {
    if (record(proxy_get_buffer_status(this.type, RETURN_PTR, RETURN_SIZE)) != Status.Ok) return -1;
    return load<i32>(RETURN_PTR);
  }

  /** Replaces the whole content. */
  replace(data: ArrayBuffer): Status {
    return this.write(0, END, changetype<usize>(data), data.byteLength);
  }

  replaceString(text: string): Status {
    encodeArg(text);
    return this.write(0, END, arg0, arg0Length);
  }

  /** Inserts before the current content. */
  prepend(data: ArrayBuffer): Status {
    return this.write(0, 0, changetype<usize>(data), data.byteLength);
  }

  prependString(text: string): Status {
    encodeArg(text);
    return this.write(0, 0, arg0, arg0Length);
  }

  /** Adds after the current content. */
  append(data: ArrayBuffer): Status {
    return this.write(END, 0, changetype<usize>(data), data.byteLength);
  }

  appendString(text: string): Status {
    encodeArg(text);
    return this.write(END, 0, arg0, arg0Length);
  }

  /** The raw call: start 0 drains `size` bytes then inserts `data`; start >= length appends. */
  set(start: u32, size: u32, data: ArrayBuffer): Status {
    return this.write(start, size, changetype<usize>(data), data.byteLength);
  }

  /** Replaces the whole content with `length` bytes at `pointer` (e.g. a result built in memory of your own). */
  replaceFrom(pointer: usize, length: usize): Status {
    return this.write(0, END, pointer, length);
  }

  /** set() from `length` bytes at `pointer`. */
  setFrom(start: u32, size: u32, pointer: usize, length: usize): Status {
    return this.write(start, size, pointer, length);
  }

  private write(start: u32, size: u32, ptr: usize, length: usize): Status {
    return record(proxy_set_buffer_bytes(this.type, start, size, ptr, length));
  }
}

// @ts-ignore: decorator
@lazy export const requestBody = new HostBuffer(BufferType.HttpRequestBody);
// @ts-ignore: decorator
@lazy export const responseBody = new HostBuffer(BufferType.HttpResponseBody);
// @ts-ignore: decorator
@lazy export const downstreamData = new HostBuffer(BufferType.DownstreamData);
// @ts-ignore: decorator
@lazy export const upstreamData = new HostBuffer(BufferType.UpstreamData);
// @ts-ignore: decorator
@lazy export const httpCallResponseBody = new HostBuffer(BufferType.HttpCallResponseBody);
// @ts-ignore: decorator
@lazy export const grpcReceiveBuffer = new HostBuffer(BufferType.GrpcReceiveBuffer);
// @ts-ignore: decorator
@lazy export const vmConfiguration = new HostBuffer(BufferType.VmConfiguration);
// @ts-ignore: decorator
@lazy export const pluginConfiguration = new HostBuffer(BufferType.PluginConfiguration);
// @ts-ignore: decorator
@lazy export const foreignFunctionArguments = new HostBuffer(BufferType.ForeignFunctionArguments);
