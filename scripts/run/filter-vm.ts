/**
 * The filter's VM as the proxy's main thread sees it: a worker thread running the emulator (vm-worker.ts),
 * streams whose events arrive as messages, and a watchdog. Every outermost VM call is visible in a shared
 * call state; one still running after the callback timeout makes the VM "lost" at once (its open streams
 * fail like after a trap and the proxy starts a fresh one), then its in-VM stack is read through the
 * inspector when it can be, and the worker is terminated. The main thread itself never runs wasm, so sockets,
 * timers and signals keep working whatever the filter does.
 */
import { EventEmitter } from "node:events";
import type { Worker } from "node:worker_threads";
import type { Pairs } from "../host/index.ts";
import { startWorker, WorkerRole } from "./worker-thread.ts";
import { CallState, MessageBatcher, ownBytes, type Direction, type FromVm, type LocalReplyInfo, type ToVm, type VmSettings, type VmStats, type VmWorkerData } from "./vm-protocol.ts";
import type { WasmFrame, WorkerStacks } from "./vm-stack.ts";
import type { UpstreamAddress } from "../upstream-address.ts";
import { fileOffset, NO_SHIFT, type OffsetShift } from "../host/source-map.ts";
import { Limits } from "../host/constants.ts";
import { cappedModule, readModuleInfo } from "../host/module-info.ts";
import { addressOf } from "./upstream.ts";

export interface FilterVmOptions extends VmSettings {
  /** Cluster name → where its callouts go. */
  clusters: ReadonlyMap<string, URL | UpstreamAddress>;
  /** A VM call still running after this long is stopped (ms). */
  callbackTimeoutMs: number;
  /** Where the worker's lines go (plugin logs, callout notices, trace). */
  report: (line: string) => void;
  /** Reads the in-VM stack of a stuck worker (null: no stacks). */
  stacks: WorkerStacks | null;
}

/** Why a VM is gone: a call that did not return, or the worker died. */
export interface VmLoss {
  /** One line: "proxy_on_request_headers of context 2 did not return within 2000 ms". */
  reason: string;
  /** The callback that did not return ("_initialize", "proxy_on_request_headers", …), if that was it. */
  callback: string | null;
  /** Its in-VM stack, innermost first; empty when it could not be read (or the worker died). */
  stack: Promise<WasmFrame[]>;
}

/** How long reading a stuck worker's stack may take (a busy machine, many scripts to announce). */
const STACK_READ_MS = 2000;
const NO_STACK: Promise<WasmFrame[]> = Promise.resolve([]);

export type StartResult = { failState: string; failMessage: string } | { lost: VmLoss };

/** The window of request/response bytes sent to the VM and not yet handled, per stream and direction. */
const IN_FLIGHT_WINDOW = 4 * 1024 * 1024;

/**
 * One stream in the worker, as the bridge drives it. Events, as HttpStream's: requestHeaders(pairs, eos),
 * requestBody(bytes, eos), requestTrailers(pairs), the same three for the response, localResponse(reply),
 * reset(details), complete(); plus lost(loss) when the VM went away, drain(dir) when bytes sent in `dir`
 * fell back under the window, and handled(dir, held) after each body chunk's callback, with the body bytes
 * of `dir` the filter then held back (queued, paused or buffered).
 */
export class VmStream extends EventEmitter {
  localResponse: LocalReplyInfo | null = null;
  resetDetails: string | null = null;
  completed = false;
  /** Body bytes sent to the VM and not acknowledged yet, per direction. */
  private readonly inFlight = [0, 0];
  private readonly buffered = [0, 0];

  constructor(
    private readonly vm: FilterVm,
    readonly id: number,
  ) {
    super();
  }

  callOnRequestHeaders(pairs: Pairs, eos: boolean): void {
    this.send({ t: "headers", s: this.id, dir: 0, pairs, eos });
  }
  callOnRequestBody(data: Uint8Array, eos: boolean): void {
    this.sendBody(0, data, eos);
  }
  callOnRequestTrailers(pairs: Pairs): void {
    this.send({ t: "trailers", s: this.id, dir: 0, pairs });
  }
  callOnResponseHeaders(pairs: Pairs, eos: boolean): void {
    this.send({ t: "headers", s: this.id, dir: 1, pairs, eos });
  }
  callOnResponseBody(data: Uint8Array | string, eos: boolean): void {
    this.sendBody(1, typeof data === "string" ? Buffer.from(data) : data, eos);
  }
  callOnResponseTrailers(pairs: Pairs): void {
    this.send({ t: "trailers", s: this.id, dir: 1, pairs });
  }

  /** on_log, on_done, on_delete in the VM; idempotent. */
  complete(): void {
    if (this.completed) return;
    this.completed = true;
    this.send({ t: "complete", s: this.id });
  }

  /** More bytes in `dir` should wait: the VM has a window's worth not yet handled or buffered. */
  saturated(dir: Direction): boolean {
    return this.inFlight[dir]! + this.buffered[dir]! > IN_FLIGHT_WINDOW;
  }

  private sendBody(dir: Direction, data: Uint8Array, eos: boolean): void {
    const bytes = ownBytes(data);
    this.inFlight[dir]! += bytes.byteLength;
    this.vm.post({ t: "body", s: this.id, dir, data: bytes, eos }, bytes.buffer as ArrayBuffer);
  }

  private send(message: ToVm): void {
    this.vm.post(message);
  }

  /** @internal A message about this stream from the worker. */
  receive(m: FromVm): void {
    switch (m.t) {
      case "headers":
        this.emit(m.dir === 0 ? "requestHeaders" : "responseHeaders", m.pairs, m.eos);
        return;
      case "body":
        this.emit(m.dir === 0 ? "requestBody" : "responseBody", Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength), m.eos);
        return;
      case "trailers":
        this.emit(m.dir === 0 ? "requestTrailers" : "responseTrailers", m.pairs);
        return;
      case "local":
        this.localResponse = m.reply;
        this.emit("localResponse", m.reply);
        return;
      case "reset":
        this.resetDetails = m.details;
        this.emit("reset", m.details);
        return;
      case "done":
        this.completed = true;
        this.emit("complete");
        return;
      case "ack": {
        const wasSaturated = this.saturated(m.dir);
        this.inFlight[m.dir]! -= m.n;
        this.buffered[m.dir] = m.buffered;
        this.emit("handled", m.dir, m.held);
        if (wasSaturated && !this.saturated(m.dir)) this.emit("drain", m.dir);
        return;
      }
      case "error":
        this.emit("error", new Error(m.message));
        return;
    }
  }

  /** @internal The VM is gone. */
  lose(loss: VmLoss): void {
    if (this.completed) return;
    this.completed = true;
    this.emit("lost", loss);
  }
}

/** How the emulator will move the module's code (none if the module cannot even be read: it will not start). */
function moduleOffsetShift(wasm: Uint8Array): OffsetShift {
  try {
    return cappedModule(wasm, readModuleInfo(wasm), Limits.maxMemoryPages).shift;
  } catch {
    return NO_SHIFT;
  }
}

let nextVmNumber = 1;

export class FilterVm extends EventEmitter {
  /** 1, 2, …: which VM this is, for messages after a restart or reload. */
  readonly number = nextVmNumber++;
  failState = "Ok";
  failMessage = "";
  /** Set once the VM is gone (terminated by the watchdog or crashed). */
  lost: VmLoss | null = null;
  /** The VM got through its start (whether the plugin accepted its configuration or not). */
  started = false;
  readonly ready: Promise<StartResult>;
  private readonly worker: Worker;
  private readonly callState: Int32Array;
  private readonly callNames = new Map<number, string>();
  private readonly streams = new Map<number, VmStream>();
  private readonly pendingStats = new Map<number, (stats: VmStats | null) => void>();
  private nextStream = 1;
  private nextStatsId = 1;
  private readonly outbox = new MessageBatcher<ToVm>((batch, transfer) => this.worker.postMessage(batch, transfer));
  private readonly watchdog: NodeJS.Timeout;
  private watchedSeq = -1;
  private watchedSince = 0;
  private resolveReady!: (result: StartResult) => void;
  private shutdownDone: ((done: boolean) => void) | null = null;
  /** Set when the watchdog stopped the VM: resolves once its worker is gone. */
  private terminated: Promise<void> | null = null;
  /** How the emulator's memory cap moved the code (stack offsets are given in the module file's). */
  private readonly offsetShift: OffsetShift;
  private stopping = false;

  constructor(private readonly options: FilterVmOptions) {
    super();
    this.ready = new Promise((resolve) => (this.resolveReady = resolve));
    this.offsetShift = moduleOffsetShift(options.wasm);
    const callState = new SharedArrayBuffer(CallState.size * Int32Array.BYTES_PER_ELEMENT);
    this.callState = new Int32Array(callState);
    const { wasm, rootId, pluginConfiguration, vmConfiguration, failOpen, logLevel, trace, bufferLimit, sourceMap } = options;
    const clusters = [...options.clusters].map(([name, url]): [string, { href: string; credentials: UpstreamAddress["credentials"] }] => {
      const address = addressOf(url);
      return [name, { href: address.url.href, credentials: address.credentials }];
    });
    this.worker = startWorker(WorkerRole.vm, "./vm-worker.ts", "runVmWorker", {
      ...{ wasm, rootId, pluginConfiguration, vmConfiguration, failOpen, logLevel, trace, bufferLimit, sourceMap },
      clusters,
      callState,
    } satisfies Omit<VmWorkerData, "role">);
    this.worker.on("message", (batch: FromVm[]) => {
      for (const m of batch) this.receive(m);
    });
    this.worker.on("error", (error) => this.lose({ reason: `the VM's worker failed: ${error.message}`, callback: null, stack: NO_STACK }));
    this.worker.on("exit", () => {
      if (!this.stopping) this.lose({ reason: "the VM's worker exited", callback: null, stack: NO_STACK });
    });
    const period = Math.min(250, Math.max(10, Math.floor(options.callbackTimeoutMs / 4)));
    this.watchdog = setInterval(() => this.watch(), period);
    this.watchdog.unref();
  }

  /** Streams open in this VM. */
  get openStreams(): number {
    return this.streams.size;
  }

  openStream(): VmStream {
    const stream = new VmStream(this, this.nextStream++);
    if (this.lost) {
      queueMicrotask(() => stream.lose(this.lost!));
      return stream;
    }
    this.streams.set(stream.id, stream);
    stream.once("complete", () => this.streams.delete(stream.id));
    stream.once("lost", () => this.streams.delete(stream.id));
    return stream;
  }

  /** The emulator's view of the VM (for tests and diagnostics); null once the VM is gone. */
  stats(): Promise<VmStats | null> {
    if (this.lost || this.stopping) return Promise.resolve(null);
    const id = this.nextStatsId++;
    return new Promise((resolve) => {
      this.pendingStats.set(id, resolve);
      this.post({ t: "stats", id });
    });
  }

  /**
   * Shuts the plugin down (on_done, on_delete) and ends the worker; after `graceMs` without an answer (the
   * filter is stuck) the worker is terminated. Resolves to false if the plugin did not finish on_done.
   */
  async shutdown(graceMs: number): Promise<boolean> {
    if (this.stopping) return true;
    this.stopping = true;
    clearInterval(this.watchdog);
    for (const resolve of this.pendingStats.values()) resolve(null);
    this.pendingStats.clear();
    if (this.lost) {
      await (this.terminated ?? this.worker.terminate());
      return true;
    }
    let timer: NodeJS.Timeout | undefined;
    const answered = new Promise<boolean>((resolve) => (this.shutdownDone = resolve));
    this.post({ t: "shutdown" });
    this.outbox.flush();
    const done = await Promise.race([answered, new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)))]);
    clearTimeout(timer);
    await this.worker.terminate();
    return done;
  }

  /** @internal Queues a message for the worker (sent as one batch at the end of this task). */
  post(message: ToVm, buffer?: ArrayBuffer): void {
    if (!this.lost) this.outbox.push(message, buffer);
  }

  private receive(m: FromVm): void {
    switch (m.t) {
      case "ready":
        this.started = true;
        this.failState = m.failState;
        this.failMessage = m.failMessage;
        this.resolveReady({ failState: m.failState, failMessage: m.failMessage });
        return;
      case "line":
        this.options.report(m.line);
        return;
      case "failed":
        this.failState = m.state;
        this.failMessage = m.message;
        this.emit("failed", { state: m.state, message: m.message });
        return;
      case "callName":
        this.callNames.set(m.id, m.name);
        return;
      case "stats":
        this.pendingStats.get(m.id)?.(m.stats);
        this.pendingStats.delete(m.id);
        return;
      case "shutdownDone":
        this.shutdownDone?.(m.done);
        return;
      default:
        this.streams.get(m.s)?.receive(m);
    }
  }

  /** The watchdog: the same call seen busy for longer than the timeout ends the VM. */
  private watch(): void {
    if (this.lost) return;
    const state = this.callState;
    if (Atomics.load(state, CallState.busy) === 0) {
      this.watchedSeq = -1;
      return;
    }
    const seq = Atomics.load(state, CallState.seq);
    const now = performance.now();
    if (seq !== this.watchedSeq) {
      this.watchedSeq = seq;
      this.watchedSince = now;
      return;
    }
    if (now - this.watchedSince < this.options.callbackTimeoutMs) return;
    const callback = this.callNames.get(Atomics.load(state, CallState.name)) ?? "a callback";
    const context = Atomics.load(state, CallState.context);
    clearInterval(this.watchdog);
    this.timeOut(callback, context);
  }

  private timeOut(callback: string, context: number): void {
    const where = context === 0 ? callback : `${callback} of context ${context}`;
    // The worker keeps spinning while its stack is read; it is terminated right after (not while the
    // debugger holds it paused: terminate would wait for it).
    const stack = (this.options.stacks?.capture(this.worker.threadId, STACK_READ_MS) ?? NO_STACK).then((frames) =>
      (frames ?? []).map((f) => ({ ...f, offset: fileOffset(f.offset, this.offsetShift) })),
    );
    this.terminated = stack.then(() => this.worker.terminate()).then(() => undefined);
    this.lose({ reason: `${where} did not return within ${this.options.callbackTimeoutMs} ms (--callback-timeout)`, callback, stack });
  }

  private lose(loss: VmLoss): void {
    if (this.lost || this.stopping) return;
    this.lost = loss;
    this.failState = "RuntimeError";
    this.failMessage = loss.reason;
    clearInterval(this.watchdog);
    this.outbox.clear();
    this.resolveReady({ lost: loss });
    for (const resolve of this.pendingStats.values()) resolve(null);
    this.pendingStats.clear();
    this.emit("lost", loss);
    for (const stream of [...this.streams.values()]) stream.lose(loss);
    this.streams.clear();
  }
}
