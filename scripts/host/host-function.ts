// How an area file (scripts/host/abi/<area>.ts) describes the host functions it implements and the
// callbacks (module exports) it calls.

import type { AbiVersion } from "./constants.ts";

/** Where a host function may run while cpp-host restricts hostcalls. */
export const Allow = {
  /** Only in normal callbacks. */
  Normal: 0,
  /** Also during _initialize / main / _start. */
  Start: 1,
  /** Also inside the module's allocator (and during start). */
  Alloc: 2,
} as const;

export interface HostFunction {
  /** Wasm signature as cpp-host prints it, e.g. "i32 i32 i32 -> i32". */
  sig: string;
  fn: (...args: any[]) => number | void;
  /** ABI versions that register this import (all when omitted). */
  abi?: readonly AbiVersion[];
  allow?: (typeof Allow)[keyof typeof Allow];
}

export type HostFunctions = Record<string, HostFunction>;

export interface CallbackSpec {
  sig: string;
  /** Signature for ABI 0.1.0 when it differs. */
  sig010?: string;
  /** Only looked up for these ABI versions. */
  abi?: readonly AbiVersion[];
}

export type CallbackSpecs = Record<string, CallbackSpec>;

/** "i32 × n -> i32" */
export function words(n: number): string {
  return `${n ? Array(n).fill("i32").join(" ") : "void"} -> i32`;
}

/** "i32 × n -> void" */
export function voids(n: number): string {
  return `${n ? Array(n).fill("i32").join(" ") : "void"} -> void`;
}
