// ProxyWasmHost: the public face of the emulator. Starts a module like Envoy does (optional canary,
// then the worker VM with root context 1), creates HTTP streams and TCP connections, and lets a test
// read logs and metrics, answer callouts, move the clock and shut the plugin down.

import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { deliverHttpCallResponse } from "./abi/callouts.ts";
import { deliverForeignFunction } from "./abi/foreign.ts";
import { deliverGrpcEvent } from "./abi/grpc.ts";
import { fireTick } from "./abi/timers.ts";
import type { GrpcCallout, HttpCallout } from "./callout-types.ts";
import { Limits, LOG_LEVELS, type AbiVersion, type FailState, type LogLevelName } from "./constants.ts";
import { HostEnv, type LogEntry, type VmRole } from "./env.ts";
import { HeaderMap, type HeadersInit } from "./header-map.ts";
import { HttpStream, type HttpStreamOptions } from "./http-stream.ts";
import { detectAbi } from "./link.ts";
import type { Metric } from "./metric-store.ts";
import { cappedModule, ModuleFormatError, readModuleInfo, type ModuleInfo } from "./module-info.ts";
import { resolveOptions, type ForeignFunction, type HostOptions } from "./options.ts";
import { trimmed } from "./retention.ts";
import type { PropertyValue } from "./property-values.ts";
import { NO_SHIFT, WasmSourceMap } from "./source-map.ts";
import { TcpStream } from "./tcp-stream.ts";
import { Vm } from "./vm.ts";

export interface HttpCallResponse {
  /** Shorthand for the ":status" header (default 200 when `headers` has none). */
  status?: number;
  headers?: HeadersInit;
  body?: string | Uint8Array;
  trailers?: HeadersInit;
}

export interface GrpcStatusInit {
  status: number;
  message?: string;
}

/** grpc-status DEADLINE_EXCEEDED. */
const GRPC_DEADLINE_EXCEEDED = 4;

/** The source map trap reports use: the one given, else the one a module file names (or `<file>.map`). */
function findSourceMap(options: HostOptions, module: WebAssembly.Module): WasmSourceMap | null {
  const given = options.sourceMap;
  if (given === false) return null;
  if (given === undefined) return typeof options.wasm === "string" ? WasmSourceMap.forModule(module, options.wasm) : null;
  let text: string | object;
  try {
    text = typeof given === "string" ? readFileSync(given, "utf8") : given;
  } catch (e) {
    throw new TypeError(`sourceMap: cannot read ${given}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
  }
  try {
    return new WasmSourceMap(text);
  } catch {
    throw new TypeError("sourceMap: not a source map");
  }
}

function bytesOf(v: string | Uint8Array | undefined): Buffer {
  if (v === undefined) return Buffer.alloc(0);
  return typeof v === "string" ? Buffer.from(v, "utf8") : Buffer.from(v);
}

export class ProxyWasmHost extends EventEmitter {
  /** The ABI version the module declares, or null if none was recognized. */
  readonly abiVersion: AbiVersion | null;
  /** Root (plugin) context id: 1 in a fresh VM. */
  readonly rootContextId: number;
  private readonly env: HostEnv;
  private readonly vm: Vm | null;
  private loadFailure: { state: FailState; message: string } | null;
  private nextConnectionId = 1;
  private timer: NodeJS.Timeout | null = null;
  private rootDeleted = false;
  /** Callouts whose timeout fired (their answer may still be on its way, deferred behind a VM call). */
  private readonly expired = new WeakSet<HttpCallout | GrpcCallout>();

  private constructor(env: HostEnv, vm: Vm | null, abi: AbiVersion | null, loadFailure: { state: FailState; message: string } | null) {
    super();
    this.env = env;
    this.vm = vm;
    this.abiVersion = abi;
    this.loadFailure = loadFailure;
    this.rootContextId = vm?.root?.id ?? 0;
    if (vm) vm.onTimerChange = () => this.planSystemTimer();
    this.planSystemTimer();
  }

  /**
   * Loads and starts a module. Never throws for module problems (bad bytes, link errors, traps,
   * on_vm_start/on_configure returning false): check `failed`, `failState` and `failMessage`.
   */
  static async start(options: HostOptions): Promise<ProxyWasmHost> {
    const resolved = resolveOptions(options);
    const events = new EventEmitter();
    const env = new HostEnv(resolved, options, events);
    const failed = (abi: AbiVersion | null, state: FailState, message: string) => {
      const host = new ProxyWasmHost(env, null, abi, { state, message });
      host.adoptEvents(events);
      return host;
    };
    // cpp-host createWasm: a module that does not load fails with "Failed to load Wasm code" after its
    // own message.
    const fail = (state: FailState, message: string) => {
      env.message(message);
      env.message("Failed to load Wasm code");
      return failed(null, state, message);
    };
    const bytes = typeof options.wasm === "string" ? await readFile(options.wasm) : options.wasm;
    let info: ModuleInfo;
    try {
      info = readModuleInfo(bytes);
    } catch (e) {
      if (e instanceof ModuleFormatError) return fail("UnableToInitializeCode", "Failed to parse corrupted Wasm module");
      throw e;
    }
    const abi = detectAbi(info);
    if (!abi) return fail("UnableToInitializeCode", "Missing or unknown Proxy-Wasm ABI version");
    let module: WebAssembly.Module;
    let offsetShift = NO_SHIFT;
    try {
      const capped = cappedModule(bytes, info, Limits.maxMemoryPages);
      offsetShift = capped.shift;
      module = await WebAssembly.compile(capped.bytes as Uint8Array<ArrayBuffer>);
    } catch (e) {
      env.message(String(e));
      return fail("UnableToInitializeCode", "Failed to load Wasm bytecode");
    }
    // Trap reports name source lines (the debug build's source map) at offsets of the module file.
    const sourceMap = findSourceMap(options, module);
    const newVm = (role: "base" | "canary" | "worker") => {
      const vm = new Vm(env, module, info, abi, role);
      vm.sourceMap = sourceMap;
      vm.offsetShift = offsetShift;
      return vm;
    };
    // Like Envoy: the base VM is loaded and started (_initialize, main) and kept to clone from; the
    // configuration canary, a clone, runs start + configure and is dropped without a shutdown; then each
    // worker's clone starts the plugin. A VM that does not initialize adds "Failed to initialize Wasm code".
    const base = newVm("base");
    if (!base.load()) {
      env.message("Failed to initialize Wasm code");
      return failed(abi, base.failState, base.failMessage);
    }
    if (resolved.canary) {
      const canary = newVm("canary");
      if (!canary.load()) env.message("Failed to initialize Wasm code");
      else canary.startPlugin();
      if (canary.failed) return failed(abi, canary.failState, canary.failMessage);
    }
    const vm = newVm("worker");
    if (vm.load()) vm.startPlugin();
    else env.message("Failed to initialize Wasm code");
    const host = new ProxyWasmHost(env, vm, abi, null);
    host.adoptEvents(events);
    return host;
  }

  private adoptEvents(events: EventEmitter): void {
    for (const name of ["httpCall", "httpCallDone", "grpcCall", "failed", "log"]) events.on(name, (...a) => this.emit(name, ...a));
  }

  // ---- State ----------------------------------------------------------------------------------------

  /** cpp-host FailState: "Ok", "UnableToInitializeCode", "MissingFunction", "StartFailed", "ConfigureFailed", "RuntimeError". */
  get failState(): FailState {
    return this.loadFailure?.state ?? this.vm?.failState ?? "Ok";
  }
  get failed(): boolean {
    return this.failState !== "Ok";
  }
  /** The first failure, e.g. "Function: proxy_on_configure failed: Uncaught RuntimeError: unreachable". */
  get failMessage(): string {
    return this.loadFailure?.message ?? this.vm?.failMessage ?? "";
  }
  /** proxy_on_configure accepted the plugin configuration. */
  get configured(): boolean {
    return this.vm?.configured === true && !this.failed;
  }

  // ---- Streams --------------------------------------------------------------------------------------

  /** A new HTTP stream (its context id is allocated now, on_context_create runs with its first callback). */
  http(options?: HttpStreamOptions): HttpStream {
    const vm = this.usableVm();
    const ctx = vm ? vm.newContext("http", vm.root) : null;
    return new HttpStream(this.env, vm, ctx, this.nextConnectionId++, options);
  }

  /** A new TCP connection; call open() (or send data) to run on_new_connection. */
  tcp(): TcpStream {
    const vm = this.usableVm();
    const ctx = vm ? vm.newContext("tcp", vm.root) : null;
    return new TcpStream(this.env, vm, ctx, this.nextConnectionId++);
  }

  private usableVm(): Vm | null {
    if (this.rootDeleted) throw new Error("the plugin was shut down");
    const vm = this.vm;
    return vm && vm.root ? vm : null;
  }

  // ---- Logs -----------------------------------------------------------------------------------------

  /**
   * Messages the plugin logged at `level` (all levels when omitted), oldest first: those of every VM, as
   * Envoy's log has them (the base VM's start-up, the configuration canary's, the worker's), or of `vm` only.
   */
  logs(level?: LogLevelName, vm?: VmRole): string[] {
    if (level !== undefined && !LOG_LEVELS.includes(level)) throw new TypeError(`unknown log level ${level}`);
    return this.env
      .retainedLogs()
      .filter((e) => (level === undefined || e.level === level) && (vm === undefined || e.vm === vm))
      .map((e) => e.message);
  }
  logEntries(): LogEntry[] {
    return this.env.retainedLogs().slice();
  }
  clearLogs(): void {
    this.env.logs.length = 0;
  }
  /** Messages from the host itself: VM failures, proc_exit, instantiation errors. */
  hostMessages(): string[] {
    return this.env.retainedHostMessages().slice();
  }

  // ---- Time -----------------------------------------------------------------------------------------

  /** The emulated wall clock. */
  now(): Date {
    return new Date(Number(this.env.clock.realtimeNs() / 1_000_000n));
  }

  /** Current tick period of the root context in ms (0 = no timer). */
  tickPeriod(): number {
    return this.vm?.root?.tickPeriodMs ?? 0;
  }

  /** Moves virtual time forward, firing proxy_on_tick and callout timeouts as their deadlines pass. */
  advanceClock(ms: number): void {
    const clock = this.env.clock;
    const target = clock.nowMs() + ms;
    for (;;) {
      const next = this.nextDeadline();
      if (next === null || next.at > target) break;
      clock.setMs(next.at);
      next.fire();
    }
    clock.setMs(target);
  }

  /** Advances to the next proxy_on_tick and fires it. False if no timer is set. */
  tick(): boolean {
    const root = this.vm?.root;
    if (!root || root.tickPeriodMs === 0 || this.vm!.failed) return false;
    this.advanceClock(Math.max(0, root.tickDueMs - this.env.clock.nowMs()));
    return true;
  }

  private nextDeadline(): { at: number; fire: () => void } | null {
    const vm = this.vm;
    if (!vm) return null;
    let best: { at: number; order: number; fire: () => void } | null = null;
    // Earliest first; at the same instant, the timer armed first (see Vm.timerOrder).
    const consider = (at: number, key: object, fire: () => void) => {
      if (at === Infinity) return;
      const order = vm.timerOrder.get(key) ?? 0;
      if (!best || at < best.at || (at === best.at && order < best.order)) best = { at, order, fire };
    };
    // A failed VM gets no more ticks, but Envoy's async client still times its callouts out (the plugin
    // is not called then).
    if (!vm.failed) {
      for (const ctx of vm.contexts.values()) {
        if (ctx.kind === "root" && ctx.tickPeriodMs > 0) consider(ctx.tickDueMs, ctx, () => fireTick(vm, ctx));
      }
    }
    for (const call of vm.httpCalls.values()) {
      if (!this.expired.has(call)) consider(call.deadlineMs, call, () => this.timeOut(call));
    }
    for (const call of vm.grpcCalls.values()) {
      if (!this.expired.has(call)) consider(call.deadlineMs, call, () => this.grpcTimeOut(call));
    }
    return best;
  }

  /**
   * Envoy's async client answers a timed-out call with a 504 local reply (event `httpCallDone` first, with
   * reason "timeout": whoever fetches the answer can give up).
   */
  private timeOut(call: HttpCallout): void {
    this.expired.add(call);
    const body = "upstream request timeout";
    this.answerHttpCall(
      call,
      {
        headers: [
          [":status", "504"],
          ["content-length", String(body.length)],
          ["content-type", "text/plain"],
        ],
        body,
      },
      "timeout",
    );
  }

  /**
   * The router inside Envoy's async client ends a timed-out gRPC call with a trailers-only local reply
   * (grpc-message "upstream request timeout"), which the gRPC client reports as the close status:
   * DEADLINE_EXCEEDED since envoyproxy/envoy#44479 (runtime guard
   * envoy.reloadable_features.grpc_timeout_returns_deadline_exceeded; UNAVAILABLE (14) before it).
   */
  private grpcTimeOut(call: GrpcCallout): void {
    this.expired.add(call);
    this.closeGrpc(call.token, { status: GRPC_DEADLINE_EXCEEDED, message: "upstream request timeout" });
  }

  /** With clock: "system", fire due timers with real Node timers (unref'd). */
  private planSystemTimer(): void {
    if (this.env.clock.mode !== "system") return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const next = this.nextDeadline();
    if (!next) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      for (;;) {
        const due = this.nextDeadline();
        if (!due || due.at > this.env.clock.nowMs()) break;
        due.fire();
      }
      this.planSystemTimer();
    }, Math.max(0, next.at - this.env.clock.nowMs()));
    this.timer.unref();
  }

  // ---- HTTP callouts --------------------------------------------------------------------------------

  /** Calls the plugin dispatched with proxy_http_call that are not answered yet. */
  pendingHttpCalls(): HttpCallout[] {
    return [...(this.vm?.httpCalls.values() ?? [])];
  }

  /** Answers a callout: proxy_on_http_call_response(root, token, headers, body size, trailers). */
  resolveHttpCall(token: number, response: HttpCallResponse = {}): void {
    const vm = this.vm;
    const call = vm?.httpCalls.get(token);
    if (!vm || !call) throw new Error(`no pending HTTP call with token ${token}`);
    this.answerHttpCall(call, response, "response");
  }

  /** Fails a callout like a reset: on_http_call_response(root, token, 0, 0, 0), status (11, "reset"). */
  failHttpCall(token: number): void {
    const vm = this.vm;
    const call = vm?.httpCalls.get(token);
    if (!vm || !call) throw new Error(`no pending HTTP call with token ${token}`);
    vm.httpCallDone(call, "reset");
    deliverHttpCallResponse(vm, call, null);
    this.planSystemTimer();
  }

  private answerHttpCall(call: HttpCallout, response: HttpCallResponse, reason: "response" | "timeout"): void {
    const vm = this.vm!;
    const headers = HeaderMap.from(response.headers);
    if (!headers.has(":status")) headers.add(":status", String(response.status ?? 200));
    const trailers = response.trailers ? HeaderMap.from(response.trailers) : null;
    vm.httpCallDone(call, reason);
    deliverHttpCallResponse(vm, call, { headers, body: bytesOf(response.body), trailers });
    this.planSystemTimer();
  }

  // ---- gRPC -----------------------------------------------------------------------------------------

  pendingGrpcCalls(): GrpcCallout[] {
    return [...(this.vm?.grpcCalls.values() ?? [])];
  }

  private grpc(token: number): { vm: Vm; call: GrpcCallout } {
    const vm = this.vm;
    const call = vm?.grpcCalls.get(token);
    if (!vm || !call) throw new Error(`no pending gRPC call or stream with token ${token}`);
    return { vm, call };
  }

  /** A unary call succeeded: proxy_on_grpc_receive(root, token, size) with the response message. */
  resolveGrpcCall(token: number, message: string | Uint8Array): void {
    const { vm, call } = this.grpc(token);
    deliverGrpcEvent(vm, call, { kind: "message", message: bytesOf(message) });
    this.planSystemTimer();
  }

  /** A call failed or a stream was closed remotely: proxy_on_grpc_close(root, token, status). */
  closeGrpc(token: number, status: GrpcStatusInit): void {
    const { vm, call } = this.grpc(token);
    deliverGrpcEvent(vm, call, { kind: "close", status: status.status, message: status.message ?? "" });
    this.planSystemTimer();
  }

  grpcStreamInitialMetadata(token: number, metadata: HeadersInit): void {
    const { vm, call } = this.grpc(token);
    deliverGrpcEvent(vm, call, { kind: "initialMetadata", metadata: HeaderMap.from(metadata) });
  }

  grpcStreamMessage(token: number, message: string | Uint8Array): void {
    const { vm, call } = this.grpc(token);
    deliverGrpcEvent(vm, call, { kind: "message", message: bytesOf(message) });
  }

  grpcStreamTrailingMetadata(token: number, metadata: HeadersInit): void {
    const { vm, call } = this.grpc(token);
    deliverGrpcEvent(vm, call, { kind: "trailingMetadata", metadata: HeaderMap.from(metadata) });
  }

  // ---- Shared data and queues -----------------------------------------------------------------------

  /** A shared-data entry of this host's vm_id (or `vmId`). */
  sharedData(key: string, vmId = this.env.options.vmId): { value: Buffer; cas: number } | null {
    const e = this.env.shared.get(vmId, key);
    return e ? { value: Buffer.from(e.value), cas: e.cas } : null;
  }

  setSharedData(key: string, value: string | Uint8Array, vmId = this.env.options.vmId): void {
    this.env.shared.set(vmId, key, bytesOf(value), 0);
  }

  /** Enqueues onto a queue by id or name (this vm_id); the registering root gets on_queue_ready. */
  enqueueSharedQueue(queue: number | string, value: string | Uint8Array): void {
    const id = typeof queue === "number" ? queue : this.env.shared.resolveQueue(this.env.options.vmId, queue);
    if (id === undefined || this.env.shared.enqueue(id, bytesOf(value)) !== 0) throw new Error(`no shared queue ${queue}`);
  }

  /** Items waiting in a queue, or undefined if there is no such queue. */
  sharedQueueSize(queue: number | string): number | undefined {
    const id = typeof queue === "number" ? queue : this.env.shared.resolveQueue(this.env.options.vmId, queue);
    return id === undefined ? undefined : this.env.shared.queueSize(id);
  }

  // ---- Metrics --------------------------------------------------------------------------------------

  /** Counter or gauge value by name ("x" or "wasmcustom.x"); undefined if not defined. */
  metric(name: string): number | undefined {
    const m = this.env.metrics.find(name);
    if (!m) return undefined;
    return m.kind === "histogram" ? m.count : Number(m.value);
  }

  /** Values recorded into a histogram (the most recent `retainHistogramSamples` of them), oldest first. */
  histogram(name: string): number[] {
    const m = this.env.metrics.find(name, "histogram");
    return m ? trimmed(m.samples, this.env.options.retainHistogramSamples).map(Number) : [];
  }

  metrics(): Metric[] {
    const keep = this.env.options.retainHistogramSamples;
    for (const m of this.env.metrics.all()) if (m.kind === "histogram") trimmed(m.samples, keep);
    return this.env.metrics.all();
  }

  // ---- Properties and foreign functions -------------------------------------------------------------

  /** Sets a property fixture (overrides well-known attributes). Path: "a.b", "a\0b" or ["a", "b"]. */
  setProperty(path: string | readonly string[], value: PropertyValue): void {
    this.env.setProperty(path, value);
  }

  registerForeignFunction(name: string, fn: ForeignFunction): void {
    this.env.foreign.set(name, fn);
  }

  /** Delivers proxy_on_foreign_function(root, id, size) with `args` in buffer 8. */
  callOnForeignFunction(functionId: number, args: string | Uint8Array = ""): void {
    if (this.vm) deliverForeignFunction(this.vm, functionId, bytesOf(args));
  }

  // ---- Lifecycle and memory -------------------------------------------------------------------------

  /**
   * Shuts the plugin down: proxy_on_done(root); true ⇒ proxy_on_delete. Returns false while the plugin
   * still has to call proxy_done() (it may, e.g. from on_tick or a callout response).
   */
  shutdown(): boolean {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const vm = this.vm;
    if (!vm) return true;
    const done = vm.shutdownRoot();
    this.rootDeleted = true;
    return done;
  }

  /** True once the root context got proxy_on_delete (or the VM failed). */
  get rootDone(): boolean {
    const root = this.vm?.root;
    return !root || root.deleted || this.vm!.failed;
  }

  /** Linear memory size in 64 KiB pages (memory only grows, so this is the high-water mark). */
  memoryPages(): number {
    return this.vm ? this.vm.mem.size / 65536 : 0;
  }

  /** A copy of the module's linear memory. */
  memorySnapshot(): Buffer {
    return this.vm ? this.vm.mem.snapshot() : Buffer.alloc(0);
  }

  /** Context ids the VM currently knows (root and live streams). */
  contextIds(): number[] {
    return [...(this.vm?.contexts.keys() ?? [])];
  }
}
