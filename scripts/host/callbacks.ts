// The one way into the module: every function the host calls (start functions, the allocator, the
// proxy_on_* callbacks) is looked up once, at load, from the ABI table, with cpp-host's signature
// checks (getFunctions: "Bad function signature for: ..."). Callers hold a Callback and call it through
// Vm.invoke; nothing looks an export up by name afterwards.

import {
  arity,
  cppHostSignature,
  hasAbi,
  moduleFunctionRows,
  type AbiVersion,
  type CallbackName,
  type ModuleFunctionName,
} from "./abi-table.ts";
import type { FailState } from "./constants.ts";
import type { ModuleInfo } from "./module-info.ts";
import type { WasmFn } from "./outer-call.ts";

/** A module function the host calls: its export name, the function and how many arguments it takes. */
export interface Callback {
  readonly name: ModuleFunctionName;
  readonly fn: WasmFn;
  readonly arity: number;
}

/** Every callback of the table: the module's export, or null when it has none (or not for its ABI version). */
export type Callbacks = { readonly [N in CallbackName]: Callback | null };

export interface Failure {
  state: FailState;
  message: string;
}

export interface ModuleFunctions {
  callbacks: Callbacks;
  /** What runs at load, in order: _initialize then main or __main_void; or _start. */
  start: Callback[];
  /** malloc, or proxy_on_memory_allocate when there is no malloc; null when the module has neither. */
  allocator: Callback | null;
  /** What failed the module, in cpp-host's order: exports of the wrong type (left out), no allocator. */
  failures: Failure[];
}

/** No module: every callback absent (a VM that never loaded). */
export const NO_CALLBACKS: Callbacks = Object.fromEntries(
  moduleFunctionRows()
    .filter(([, row]) => row.role === "callback")
    .map(([name]) => [name, null]),
) as unknown as Callbacks;

/**
 * cpp-host getFunctions: the start functions, the allocator, then every callback of the module's ABI
 * version. A function exported with another type is left out and fails the module
 * (UnableToInitializeCode), as does a missing allocator (MissingFunction); cpp-host still starts it.
 */
export function resolveModuleFunctions(info: ModuleInfo, abi: AbiVersion, instance: WebAssembly.Instance): ModuleFunctions {
  const types = new Map<string, string>();
  for (const e of info.exports) if (e.kind === "func") types.set(e.name, e.type!);
  const failures: Failure[] = [];
  const get = (name: ModuleFunctionName): Callback | null => {
    const type = types.get(name);
    if (type === undefined) return null;
    const want = cppHostSignature(name, abi);
    if (type !== want) {
      failures.push({ state: "UnableToInitializeCode", message: `Bad function signature for: ${name}, want: ${want}, but the module exports: ${type}` });
      return null;
    }
    return { name, fn: instance.exports[name] as WasmFn, arity: arity(name, abi) };
  };
  const start: Callback[] = [];
  const initialize = get("_initialize");
  if (initialize) {
    start.push(initialize);
    const main = get("main") ?? get("__main_void");
    if (main) start.push(main);
  } else {
    const entry = get("_start");
    if (entry) start.push(entry);
  }
  const allocator = get("malloc") ?? get("proxy_on_memory_allocate");
  if (allocator === null) failures.push({ state: "MissingFunction", message: "Wasm module is missing malloc function." });
  const callbacks: Record<string, Callback | null> = {};
  for (const [name, row] of moduleFunctionRows()) {
    if (row.role !== "callback") continue;
    callbacks[name] = hasAbi(row, abi) ? get(name) : null;
  }
  return { callbacks: callbacks as Callbacks, start, allocator, failures };
}
