/**
 * Messages between the proxy's main thread (sockets, upstream, watchdog) and the worker thread that runs the
 * filter's VM. Each postMessage carries a batch (an array) of them; body bytes travel as their own
 * ArrayBuffers, transferred.
 *
 * Direction 0 is the request (downstream → upstream), 1 the response.
 */
import type { Pairs } from "../host/index.ts";

export type Direction = 0 | 1;

/** The filter and how its VM runs, as the proxy configures it. */
export interface VmSettings {
  wasm: Uint8Array;
  rootId: string;
  pluginConfiguration: string;
  vmConfiguration: string;
  failOpen: boolean;
  logLevel: string;
  /** Print each callout. */
  trace: boolean;
  /** Envoy's per-stream buffer limit for bodies the filter buffers (0: none). */
  bufferLimit: number;
  /** The debug build's source map (JSON text), for trap reports. */
  sourceMap: string | null;
}

/** What the worker needs to start the VM (workerData). */
export interface VmWorkerData extends VmSettings {
  role: string;
  /** Cluster name → address for callouts. */
  clusters: Array<[string, { href: string; credentials: { username: string; password: string } | null }]>;
  /** Int32Array over it: see CallState. */
  callState: SharedArrayBuffer;
}

/**
 * Slots of the shared call state the worker writes around every outermost VM call and the main thread's
 * watchdog reads: whether a call is running, a sequence number per call, which callback (an id announced
 * with a `callName` message) and which context.
 */
export const CallState = { busy: 0, seq: 1, name: 2, context: 3, size: 4 } as const;

export type ToVm =
  | { t: "headers"; s: number; dir: Direction; pairs: Pairs; eos: boolean }
  | { t: "body"; s: number; dir: Direction; data: Uint8Array; eos: boolean }
  | { t: "trailers"; s: number; dir: Direction; pairs: Pairs }
  | { t: "complete"; s: number }
  | { t: "stats"; id: number }
  | { t: "shutdown" };

export interface LocalReplyInfo {
  statusCode: number;
  details: string;
}

export interface VmStats {
  failState: string;
  failMessage: string;
  contextIds: number[];
  rootContextId: number;
  memoryPages: number;
  rootDone: boolean;
  /** Plugin log entries the emulator keeps. */
  retainedLogs: number;
  /** Streams the worker has open. */
  openStreams: number;
  /** Body bytes streams kept copies of (the proxy asks for none). */
  retainedBodyBytes: number;
}

export type FromVm =
  /** The VM started (or failed to). */
  | { t: "ready"; failState: string; failMessage: string }
  /** The filter let this through (headers, a body chunk, trailers) in direction `dir`. */
  | { t: "headers"; s: number; dir: Direction; pairs: Pairs; eos: boolean }
  | { t: "body"; s: number; dir: Direction; data: Uint8Array; eos: boolean }
  | { t: "trailers"; s: number; dir: Direction; pairs: Pairs }
  | { t: "local"; s: number; reply: LocalReplyInfo }
  | { t: "reset"; s: number; details: string }
  | { t: "done"; s: number }
  /**
   * A body chunk sent to the VM was handled; `buffered`: bytes the stream now holds in that direction under
   * flow control; `held`: all body bytes of that direction not let through (buffered by the filter too).
   */
  | { t: "ack"; s: number; dir: Direction; n: number; buffered: number; held: number }
  /** An unexpected emulator error on one stream. */
  | { t: "error"; s: number; message: string }
  /** A line for the operator: a plugin log line, a callout notice, a trace line. */
  | { t: "line"; line: string }
  | { t: "failed"; state: string; message: string }
  | { t: "callName"; id: number; name: string }
  | { t: "stats"; id: number; stats: VmStats }
  | { t: "shutdownDone"; done: boolean };

/** A copy of `data` in its own ArrayBuffer (a Buffer is often a view into a larger shared one). */
export function ownBytes(data: Uint8Array): Uint8Array {
  return new Uint8Array(data);
}

/** Messages queued during one task and posted as one batch (body buffers transferred) when its work is done. */
export class MessageBatcher<T> {
  private batch: T[] = [];
  private transfer: ArrayBuffer[] = [];
  private scheduled = false;

  constructor(private readonly post: (batch: T[], transfer: ArrayBuffer[]) => void) {}

  push(message: T, buffer?: ArrayBuffer): void {
    this.batch.push(message);
    if (buffer) this.transfer.push(buffer);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Drops what is queued (nobody will read it). */
  clear(): void {
    this.batch = [];
    this.transfer = [];
  }

  /** Posts what is queued now. */
  flush(): void {
    this.scheduled = false;
    if (this.batch.length === 0) return;
    const { batch, transfer } = this;
    this.clear();
    this.post(batch, transfer);
  }
}
