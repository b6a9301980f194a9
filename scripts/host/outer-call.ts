// How the outermost host→VM call runs (a call made while no other VM call is on the stack): directly, under
// a per-callback deadline, and/or watched from another thread. Nested calls (malloc from a hostcall) run
// inside their outer call's deadline.
//
// The deadline uses node:vm's `timeout`: V8 interrupts a looping wasm function and the call throws. It costs
// tens of microseconds per call (a watchdog thread each time), so it is opt-in (`callbackTimeoutMs`), meant
// for tests, where a looping filter must fail with a message instead of hanging the test runner. `proxy-wasm
// run` watches from its main thread instead (`callMonitor`) and terminates the worker the VM runs in.

import { createContext, Script } from "node:vm";

export type WasmFn = (...args: number[]) => number;

/** Told before and after each outermost host→VM call, e.g. to time it from another thread. */
export interface CallMonitor {
  enter(name: string, contextId: number): void;
  exit(): void;
}

/** Thrown (and turned into the VM's failure) when a callback passes its deadline. */
export class CallbackTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`did not return within ${timeoutMs} ms (callbackTimeoutMs)`);
    this.name = "CallbackTimeout";
  }
}

/** f(a, b, …) with the first `n` arguments. */
export function callWasm(f: WasmFn, n: number, a: number, b: number, c: number, d: number, e: number): number {
  switch (n) {
    case 0:
      return f();
    case 1:
      return f(a);
    case 2:
      return f(a, b);
    case 3:
      return f(a, b, c);
    default:
      return f(a, b, c, d, e);
  }
}

export interface OuterCallRunner {
  run(f: WasmFn, name: string, contextId: number, n: number, a: number, b: number, c: number, d: number, e: number): number;
}

/** A runner for these options, or null when outer calls need nothing special (the fast path). */
export function outerCallRunner(callbackTimeoutMs: number, monitor: CallMonitor | null): OuterCallRunner | null {
  if (callbackTimeoutMs <= 0 && monitor === null) return null;
  const deadline = callbackTimeoutMs > 0 ? deadlineCaller(callbackTimeoutMs) : null;
  return {
    run(f, name, contextId, n, a, b, c, d, e) {
      monitor?.enter(name, contextId);
      try {
        return deadline !== null ? deadline(() => callWasm(f, n, a, b, c, d, e)) : callWasm(f, n, a, b, c, d, e);
      } finally {
        monitor?.exit();
      }
    },
  };
}

/** Runs a thunk inside a vm.Script with a timeout; a timeout becomes CallbackTimeout. */
function deadlineCaller(timeoutMs: number): (thunk: () => number) => number {
  let pending: () => number = () => 0;
  const context = createContext({ call: () => pending() });
  const script = new Script("call()", { filename: "proxy-wasm-callback" });
  return (thunk) => {
    pending = thunk;
    try {
      return script.runInContext(context, { timeout: timeoutMs }) as number;
    } catch (error) {
      if ((error as { code?: string } | null)?.code === "ERR_SCRIPT_EXECUTION_TIMEOUT") throw new CallbackTimeout(timeoutMs);
      throw error;
    }
  };
}
