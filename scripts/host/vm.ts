// One Wasm VM as proxy-wasm-cpp-host runs it: link, instantiate, start (restricted hostcalls), the
// root context, guarded host→VM calls ("Function: X failed: ..."), the allocator, after-call actions,
// the current and effective context, and per-VM ids (contexts, metrics, callout tokens).

import { Context, ContextTable, type ContextKind } from "./context.ts";
import { Limits, Status, type AbiVersion, type FailState } from "./constants.ts";
import type { HostEnv, VmRole } from "./env.ts";
import { NO_CALLBACKS, resolveModuleFunctions, type Callback, type Callbacks } from "./callbacks.ts";
import { buildImports } from "./link.ts";
import { LinearMemory } from "./memory.ts";
import type { Metric } from "./metric-store.ts";
import type { ModuleInfo } from "./module-info.ts";
import type { GrpcCallout, HttpCallEnd, HttpCallout } from "./callout-types.ts";
import { fileOffset, NO_SHIFT, type OffsetShift, type WasmSourceMap } from "./source-map.ts";
import { callWasm, CallbackTimeout, outerCallRunner, type OuterCallRunner } from "./outer-call.ts";

/** Hostcall restriction levels (cpp-host setRestrictedCallback). */
export const Restrict = { None: 0, Start: 1, Alloc: 2, Instantiating: 3 } as const;

export class Vm {
  readonly mem = new LinearMemory();
  readonly vmContext = new Context(0, "vm", null);
  /** Live contexts by id. */
  readonly contexts = new ContextTable();
  /** The module's callbacks, resolved once at load (null: not exported). */
  cb: Callbacks = NO_CALLBACKS;
  private start: Callback[] = [];
  private allocator: Callback | null = null;
  failState: FailState = "Ok";
  failMessage = "";
  restricted: number = Restrict.None;
  depth = 0;
  current: Context = this.vmContext;
  effective = 0;
  /** proxy_send_local_response forces the current callback to stop (cpp-host stopNextIteration). */
  stopNext = false;
  root: Context | null = null;
  configured = false;
  private nextContextId = 1;
  private actions: Array<() => void> = [];
  private runningActions = false;
  readonly tracing: boolean;
  /** The debug build's source map: trap reports name source locations. */
  sourceMap: WasmSourceMap | null = null;
  /** How the emulator's memory cap moved the code: trap reports give offsets in the module file. */
  offsetShift: OffsetShift = NO_SHIFT;
  /** Runs the outermost calls under a deadline or a monitor; null: they are plain calls. */
  private readonly outer: OuterCallRunner | null;

  readonly metricIds = new Map<number, Metric>();
  readonly nextMetricId = [0, 1, 2];
  readonly httpCalls = new Map<number, HttpCallout>();
  nextHttpCallId = 0;
  readonly grpcCalls = new Map<number, GrpcCallout>();
  nextGrpcCallId = 1;
  nextGrpcStreamId = 2;
  /** Called when a root's tick period changes or a callout with a timeout starts (the host re-plans timers). */
  onTimerChange: (() => void) | null = null;
  /**
   * When each timer (a root's tick, a callout's timeout) was last armed. Real time always moves in
   * Envoy, so of two timers due at the same virtual instant the one armed first fires first.
   */
  readonly timerOrder = new WeakMap<object, number>();
  private timerSeq = 0;

  constructor(
    readonly env: HostEnv,
    /** The compiled module; null for a VM whose instance is made elsewhere (adopt). */
    readonly module: WebAssembly.Module | null,
    readonly info: ModuleInfo,
    readonly abi: AbiVersion,
    readonly role: VmRole,
  ) {
    this.tracing = env.trace !== null;
    this.outer = outerCallRunner(env.options.callbackTimeoutMs, env.options.callMonitor);
  }

  /** Records that the timer keyed by `key` (a root context or a callout) was armed now. */
  armTimer(key: object): void {
    this.timerOrder.set(key, ++this.timerSeq);
  }

  get failed(): boolean {
    return this.failState !== "Ok";
  }

  fail(state: FailState, message: string): void {
    this.env.message(message);
    if (this.failState === "Ok") {
      this.failState = state;
      this.failMessage = message;
      if (this.role === "worker") this.env.events.emit("failed", { state, message });
    }
  }

  /** Link, instantiate, look up exports, run _initialize/main or _start. False if the VM failed. */
  load(): boolean {
    const imports = buildImports(this);
    if (typeof imports === "string") {
      this.fail("UnableToInitializeCode", imports);
      return false;
    }
    if (this.info.memory && this.info.memory.min > Limits.maxMemoryPages) {
      // V8 in Envoy runs with --wasm-max-mem-pages=16384: a larger initial memory cannot be created.
      this.fail("UnableToInitializeCode", "Failed to create new Wasm instance");
      return false;
    }
    let instance: WebAssembly.Instance;
    this.restricted = Restrict.Instantiating;
    try {
      instance = new WebAssembly.Instance(this.module!, imports.object);
    } catch (e) {
      this.env.message(`instantiation: ${describeError(e)}`);
      this.fail("UnableToInitializeCode", "Failed to create new Wasm instance");
      return false;
    } finally {
      this.restricted = Restrict.None;
    }
    const memory = Object.values(instance.exports).find((e) => e instanceof WebAssembly.Memory) as
      | WebAssembly.Memory
      | undefined;
    this.mem.attach(memory ?? imports.memory);
    const found = resolveModuleFunctions(this.info, this.abi, instance);
    for (const failure of found.failures) this.fail(failure.state, failure.message);
    this.cb = found.callbacks;
    this.start = found.start;
    this.allocator = found.allocator;
    // cpp-host starts the VM even when getFunctions failed it (no allocator, a callback of the wrong type).
    this.startVm();
    return !this.failed;
  }

  /**
   * Serves a module instantiated elsewhere (HostFunctionHarness): its memory and allocator, no start-up
   * and no callbacks.
   */
  adopt(memory: WebAssembly.Memory, allocator: ((size: number) => number) | null): void {
    this.mem.attach(memory);
    this.allocator = allocator === null ? null : { name: "malloc", fn: allocator, arity: 1 };
  }

  private startVm(): void {
    this.restricted = Restrict.Start;
    try {
      // Like cpp-host's startVm, main runs even when _initialize trapped.
      for (const entry of this.start) this.invoke(entry, this.vmContext, 0, 0);
    } finally {
      this.restricted = Restrict.None;
    }
  }

  /** The plugin's root context: on_context_create(R,0), on_vm_start(R,…), on_configure(R,…). */
  startPlugin(): boolean {
    const root = this.newContext("root", null);
    this.root = root;
    const where = this.role === "canary" ? "base Wasm" : "thread-local Wasm";
    root.pluginConfigurationVisible = true;
    this.createContext(root);
    root.pluginConfigurationVisible = false;
    if (this.failed) return false;
    const vmStart = this.cb.proxy_on_vm_start;
    if (vmStart) {
      // A trap answers 0 too: cpp-host then also reports the failed start (the first failure stays the state).
      const ok = this.invoke(vmStart, root, root.id, this.env.vmConfiguration.length);
      if (ok === 0 || this.failed) {
        this.fail("StartFailed", `Failed to start ${where}`);
        return false;
      }
    }
    return this.configure(this.env.pluginConfiguration.length, where === "base Wasm" ? "base Wasm plugin" : "thread-local Wasm plugin");
  }

  private configure(size: number, what: string): boolean {
    const root = this.root!;
    const onConfigure = this.cb.proxy_on_configure;
    if (onConfigure) {
      root.pluginConfigurationVisible = true;
      const ok = this.invoke(onConfigure, root, root.id, size);
      root.pluginConfigurationVisible = false;
      if (ok === 0 || this.failed) {
        this.fail("ConfigureFailed", `Failed to configure ${what}`);
        return false;
      }
    }
    this.configured = true;
    return true;
  }

  /** proxy_on_context_create(id, parent) once per context, before its first callback. */
  createContext(ctx: Context): void {
    if (ctx.created || this.failed) return;
    ctx.created = true;
    const f = this.cb.proxy_on_context_create;
    if (f !== null) this.invoke(f, ctx, ctx.id, ctx.kind === "root" ? 0 : ctx.root.id);
  }

  newContext(kind: ContextKind, root: Context | null): Context {
    let id = this.nextContextId++;
    while (this.contexts.has(id)) id = this.nextContextId++;
    const ctx = new Context(id, kind, root);
    this.contexts.set(id, ctx);
    return ctx;
  }

  /** on_done for a stream (return value ignored), then on_delete. */
  finishStream(ctx: Context, order: "envoy" | "go-proxytest"): void {
    if (!ctx.created || ctx.deleted || this.failed) return;
    const done = this.cb.proxy_on_done;
    if (order === "envoy" && done !== null) this.invoke(done, ctx, ctx.id);
    this.deleteContext(ctx);
  }

  deleteContext(ctx: Context): void {
    if (ctx.deleted) return;
    const f = this.cb.proxy_on_delete;
    if (!this.failed && ctx.created && f !== null) this.invoke(f, ctx, ctx.id);
    ctx.deleted = true;
    this.contexts.delete(ctx.id);
    if (ctx.kind === "root") this.cancelCallouts(ctx);
  }

  /**
   * Envoy's Context::onDestroy cancels the root's HTTP callouts, gRPC calls and gRPC streams still in
   * flight: their answers never arrive.
   */
  private cancelCallouts(root: Context): void {
    for (const call of [...this.httpCalls.values()]) {
      if (call.rootContextId !== root.id) continue;
      this.httpCalls.delete(call.token);
      this.httpCallDone(call, "cancelled");
    }
    for (const call of [...this.grpcCalls.values()]) {
      if (call.rootContextId === root.id) this.grpcCalls.delete(call.token);
    }
  }

  /** Event `httpCallDone` (worker VM only, like `httpCall`). */
  httpCallDone(call: HttpCallout, reason: HttpCallEnd): void {
    if (this.role === "worker") this.env.events.emit("httpCallDone", { token: call.token, cluster: call.cluster, reason });
  }

  /** Root shutdown: on_done true ⇒ on_delete; false ⇒ wait for proxy_done(). Returns true when deleted. */
  shutdownRoot(): boolean {
    const root = this.root;
    if (!root || root.deleted) return true;
    if (this.failed) {
      root.deleted = true;
      this.cancelCallouts(root);
      return true;
    }
    const onDone = this.cb.proxy_on_done;
    const done = onDone ? this.invoke(onDone, root, root.id) !== 0 : true;
    if (this.failed) return true;
    if (done) {
      this.deleteContext(root);
      return true;
    }
    root.pendingDone = true;
    return false;
  }

  /** The context hostcalls act on: the effective context if set and alive, else the current one. */
  ctx(): Context {
    if (this.effective !== 0) {
      const c = this.contexts.get(this.effective);
      if (c) return c;
    }
    return this.current;
  }

  /** Runs `fn` once the outermost host→VM call has returned (cpp-host addAfterVmCallAction). */
  defer(fn: () => void): void {
    if (this.depth === 0 && !this.runningActions) fn();
    else this.actions.push(fn);
  }

  /** Queues `fn` to run after the next host→VM call returns (cleanup of call-scoped state). */
  afterCall(fn: () => void): void {
    this.actions.push(fn);
  }

  private runActions(): void {
    if (this.runningActions) return;
    this.runningActions = true;
    try {
      while (this.actions.length !== 0) this.actions.shift()!();
    } finally {
      this.runningActions = false;
    }
  }

  /**
   * A guarded host→VM call of `callback` for `ctx` with its first `arity` arguments: any throw marks the
   * VM failed; the result is 0 then.
   */
  invoke(callback: Callback, ctx: Context, a = 0, b = 0, c = 0, d = 0, e = 0): number {
    const f = callback.fn;
    const n = callback.arity;
    const savedCurrent = this.current;
    const savedEffective = this.effective;
    this.current = ctx;
    this.effective = 0;
    this.depth++;
    if (this.tracing) this.traceLine(`[host->vm] ${callback.name}(${[a, b, c, d, e].slice(0, n).map((x) => x >>> 0).join(", ")})`);
    let r = 0;
    try {
      r = this.depth === 1 && this.outer !== null ? this.outer.run(f, callback.name, ctx.id, n, a, b, c, d, e) : callWasm(f, n, a, b, c, d, e);
      if (this.tracing) this.traceLine(`[host<-vm] ${callback.name} return: ${r === undefined ? "void" : r >>> 0}`);
    } catch (err) {
      r = 0;
      this.trapped(callback.name, err);
    }
    this.depth--;
    this.current = savedCurrent;
    this.effective = savedEffective;
    if (this.depth === 0 && this.actions.length !== 0) {
      // cpp-host checks stopNextIteration before the deferred actions run; keep ours across them.
      const stop = this.stopNext;
      this.stopNext = false;
      this.runActions();
      this.stopNext = stop;
    }
    return r | 0;
  }

  private trapped(name: string, err: unknown): void {
    const frames = this.stackFrames(err);
    this.fail("RuntimeError", `Function: ${name} failed: ${describeError(err)}${this.sourceLines(frames)}${this.backtrace(frames)}`);
  }

  /** The wasm frames of a trap's stack, innermost first (at most cpp-host's 20). */
  private stackFrames(err: unknown): Array<{ index: number; offset: number }> {
    if (!(err instanceof Error) || !err.stack) return [];
    const frames: Array<{ index: number; offset: number }> = [];
    for (const m of err.stack.matchAll(/wasm-function\[(\d+)\]:0x([0-9a-f]+)/g)) {
      if (frames.length === Limits.backtraceFrames) break;
      frames.push({ index: Number(m[1]), offset: fileOffset(parseInt(m[2]!, 16), this.offsetShift) });
    }
    return frames;
  }

  /** With the debug build's source map: "at MyFilter#onRequestHeaders (filters/x/index.ts:42:12)" lines. */
  private sourceLines(frames: ReadonlyArray<{ index: number; offset: number }>): string {
    if (this.sourceMap === null) return "";
    const names = this.info.functionNames;
    const lines = this.sourceMap.describe(frames.map((f) => ({ offset: f.offset, name: names.get(f.index) ?? `wasm-function[${f.index}]` })));
    return lines.map((line) => `\n    ${line}`).join("");
  }

  /** cpp-host's backtrace (names from the name section; none without one). */
  private backtrace(frames: ReadonlyArray<{ index: number; offset: number }>): string {
    const names = this.info.functionNames;
    if (names.size === 0 || frames.length === 0) return "";
    const lines = frames.map(({ index, offset }, i) => {
      const label = names.get(index) ?? `unknown(function index:${index})`;
      return `\n${String(i).padStart(3, " ")}:  0x${offset.toString(16)} - ${label}`;
    });
    return `\nProxy-Wasm plugin in-VM backtrace:${lines.join("")}`;
  }

  /**
   * Calls the module's allocator on the VM context with hostcalls restricted (cpp-host allocMemory).
   * Returns 0 when it fails or returns a block outside memory.
   */
  alloc(size: number): number {
    const allocator = this.allocator;
    if (!allocator) return 0;
    const savedCurrent = this.current;
    const savedEffective = this.effective;
    const savedRestricted = this.restricted;
    this.current = this.vmContext;
    this.effective = 0;
    if (savedRestricted < Restrict.Alloc) this.restricted = Restrict.Alloc;
    this.depth++;
    if (this.tracing) this.traceLine(`[host->vm] ${allocator.name}(${size})`);
    let p = 0;
    try {
      const f = allocator.fn;
      p = (this.depth === 1 && this.outer !== null ? this.outer.run(f, allocator.name, 0, 1, size, 0, 0, 0, 0) : f(size)) >>> 0;
      if (this.tracing) this.traceLine(`[host<-vm] ${allocator.name} return: ${p}`);
    } catch (err) {
      p = 0;
      this.trapped(allocator.name, err);
    }
    this.depth--;
    this.current = savedCurrent;
    this.effective = savedEffective;
    this.restricted = savedRestricted;
    if (p === 0 || !this.mem.ok(p, size)) return 0;
    return p;
  }

  /** Copies bytes into a fresh allocation and writes (ptr, size); empty ⇒ (0, 0) without allocating. */
  copyOut(data: Uint8Array, ptrPtr: number, sizePtr: number): number {
    const n = data.length;
    let p = 0;
    if (n > 0) {
      p = this.alloc(n);
      if (p === 0) return Status.InvalidMemoryAccess;
      this.mem.sync();
      this.mem.write(p, data);
    }
    if (!this.mem.setU32(ptrPtr, p) || !this.mem.setU32(sizePtr, n)) return Status.InvalidMemoryAccess;
    return Status.Ok;
  }

  copyOutString(s: string, ptrPtr: number, sizePtr: number): number {
    const n = s.length === 0 ? 0 : Buffer.byteLength(s, "utf8");
    let p = 0;
    if (n > 0) {
      p = this.alloc(n);
      if (p === 0) return Status.InvalidMemoryAccess;
      this.mem.sync();
      this.mem.writeString(p, s, n);
    }
    if (!this.mem.setU32(ptrPtr, p) || !this.mem.setU32(sizePtr, n)) return Status.InvalidMemoryAccess;
    return Status.Ok;
  }

  traceLine(line: string): void {
    this.env.trace?.(this.role === "worker" ? line : `[${this.role}] ${line}`);
  }
}

export function describeError(err: unknown): string {
  if (err instanceof CallbackTimeout) return err.message;
  if (err instanceof Error) return `Uncaught ${err.name}: ${err.message}`;
  return `Uncaught ${String(err)}`;
}
