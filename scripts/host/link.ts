// Linking like cpp-host's V8 integration: ABI detection, version-specific imports, failures on a missing
// import, an import type mismatch or an imported global, export signature checks, allocator lookup.

import { ALLOCATORS, CALLBACKS, ENV_AREAS, START_FUNCTIONS, WASI_MODULES, wasiFunctions } from "./abi/index.ts";
import { Limits, type AbiVersion, type FailState } from "./constants.ts";
import type { HostFunction } from "./host-function.ts";
import type { ModuleInfo } from "./module-info.ts";
import type { Vm } from "./vm.ts";

const MARKERS: Record<string, AbiVersion> = {
  proxy_abi_version_0_1_0: "0.1.0",
  proxy_abi_version_0_2_0: "0.2.0",
  proxy_abi_version_0_2_1: "0.2.1",
};

/** The first function export named like a known ABI marker wins (cpp-host bytecode_util). */
export function detectAbi(info: ModuleInfo): AbiVersion | null {
  for (const e of info.exports) if (e.kind === "func" && MARKERS[e.name]) return MARKERS[e.name]!;
  return null;
}

/** Every function the host registers for this VM, as "module.name". */
export function registeredFunctions(vm: Vm): Map<string, HostFunction> {
  const out = new Map<string, HostFunction>();
  for (const area of ENV_AREAS) {
    for (const [name, hf] of Object.entries(area.functions(vm))) {
      if (!hf.abi || hf.abi.includes(vm.abi)) out.set(`env.${name}`, hf);
    }
  }
  const wasi = wasiFunctions(vm);
  for (const module of WASI_MODULES) for (const [name, hf] of Object.entries(wasi)) out.set(`${module}.${name}`, hf);
  return out;
}

function restrictedError(): Error {
  return new Error("restricted_callback");
}

function arity(sig: string): number {
  const params = sig.slice(0, sig.indexOf(" ->"));
  return params === "void" ? 0 : params.split(" ").length;
}

/** Wraps a host function with cpp-host's restriction check (and the call trace when enabled). */
function wrap(vm: Vm, name: string, hf: HostFunction): (...args: any[]) => unknown {
  const fn = hf.fn;
  const level = hf.allow ?? 0;
  if (vm.tracing) {
    return (...args: unknown[]) => {
      const shown = args.map((a) => (typeof a === "bigint" ? BigInt.asUintN(64, a) : (a as number) >>> 0));
      vm.traceLine(`[vm->host] ${name}(${shown.join(", ")})`);
      if (vm.restricted > level) throw restrictedError();
      const r = fn(...args);
      vm.traceLine(`[vm<-host] ${name} return: ${r === undefined ? "void" : r}`);
      return r;
    };
  }
  switch (arity(hf.sig)) {
    case 0:
      return () => {
        if (vm.restricted > level) throw restrictedError();
        return fn();
      };
    case 1:
      return (a: unknown) => {
        if (vm.restricted > level) throw restrictedError();
        return fn(a);
      };
    case 2:
      return (a: unknown, b: unknown) => {
        if (vm.restricted > level) throw restrictedError();
        return fn(a, b);
      };
    case 3:
      return (a: unknown, b: unknown, c: unknown) => {
        if (vm.restricted > level) throw restrictedError();
        return fn(a, b, c);
      };
    case 4:
      return (a: unknown, b: unknown, c: unknown, d: unknown) => {
        if (vm.restricted > level) throw restrictedError();
        return fn(a, b, c, d);
      };
    case 5:
      return (a: unknown, b: unknown, c: unknown, d: unknown, e: unknown) => {
        if (vm.restricted > level) throw restrictedError();
        return fn(a, b, c, d, e);
      };
    default:
      return (...args: unknown[]) => {
        if (vm.restricted > level) throw restrictedError();
        return fn(...args);
      };
  }
}

export interface Imports {
  object: WebAssembly.Imports;
  memory: WebAssembly.Memory | null;
}

/** The import object for the module, or cpp-host's link failure message. */
export function buildImports(vm: Vm): Imports | string {
  const registered = registeredFunctions(vm);
  const object: Record<string, Record<string, WebAssembly.ImportValue>> = {};
  let memory: WebAssembly.Memory | null = null;
  for (const imp of vm.info.imports) {
    const key = `${imp.module}.${imp.name}`;
    const slot = (object[imp.module] ??= {});
    switch (imp.kind) {
      case "func": {
        const hf = registered.get(key);
        if (!hf) return `Failed to load Wasm module due to a missing import: ${key}`;
        if (hf.sig !== imp.type) {
          return `Failed to load Wasm module due to an import type mismatch: ${key}, want: ${imp.type}, but host exports: ${hf.sig}`;
        }
        slot[imp.name] = wrap(vm, key, hf) as WebAssembly.ImportValue;
        break;
      }
      case "global":
        return `Failed to load Wasm module due to a missing import: ${key}`;
      case "memory": {
        const l = imp.limits!;
        const maximum = Math.min(l.max ?? Limits.maxMemoryPages, Limits.maxMemoryPages);
        try {
          memory = new WebAssembly.Memory({ initial: l.min, maximum, shared: l.shared } as WebAssembly.MemoryDescriptor);
        } catch {
          return "Failed to create new Wasm instance";
        }
        slot[imp.name] = memory;
        break;
      }
      case "table": {
        const l = imp.limits!;
        slot[imp.name] = new WebAssembly.Table({ element: "anyfunc", initial: l.min, maximum: l.max ?? undefined });
        break;
      }
    }
  }
  return { object, memory };
}

type Found =
  | { fns: Record<string, ((...a: number[]) => number) | undefined>; malloc: (size: number) => number; mallocName: string }
  | { state: FailState; message: string };

/** cpp-host getFunctions: looks up the exports it calls and rejects wrong signatures. */
export function lookupCallbacks(vm: Vm, instance: WebAssembly.Instance): Found {
  const types = new Map<string, string>();
  for (const e of vm.info.exports) if (e.kind === "func") types.set(e.name, e.type!);
  const fns: Record<string, ((...a: number[]) => number) | undefined> = {};
  let bad: string | null = null;
  const get = (name: string, sig: string): boolean => {
    const type = types.get(name);
    if (type === undefined) return false;
    if (type !== sig) {
      bad ??= `Bad function signature for: ${name}, want: ${sig}, but the module exports: ${type}`;
      return false;
    }
    fns[name] = instance.exports[name] as (...a: number[]) => number;
    return true;
  };
  if (get("_initialize", START_FUNCTIONS._initialize)) {
    if (!get("main", START_FUNCTIONS.main)) get("__main_void", START_FUNCTIONS.__main_void);
  } else {
    get("_start", START_FUNCTIONS._start);
  }
  let mallocName = "malloc";
  if (!get("malloc", ALLOCATORS.malloc)) {
    mallocName = "proxy_on_memory_allocate";
    get(mallocName, ALLOCATORS.proxy_on_memory_allocate);
  }
  if (bad) return { state: "UnableToInitializeCode", message: bad };
  const malloc = fns[mallocName];
  if (!malloc) return { state: "MissingFunction", message: "Wasm module is missing malloc function." };
  for (const [name, spec] of Object.entries(CALLBACKS)) {
    if (spec.abi && !spec.abi.includes(vm.abi)) continue;
    get(name, vm.abi === "0.1.0" && spec.sig010 ? spec.sig010 : spec.sig);
  }
  if (bad) return { state: "UnableToInitializeCode", message: bad };
  return { fns, malloc, mallocName };
}
