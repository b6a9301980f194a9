// Linking like cpp-host's V8 integration: ABI detection, the imports of the module's ABI version (from the
// ABI table), failures on a missing import, an import type mismatch or an imported global.

import {
  arity as paramCount,
  cppHostSignature,
  hasAbi,
  HOST_FUNCTIONS,
  hostFunctionRows,
  importModules,
  MODULE_FUNCTIONS,
  type AbiVersion,
  type Allowed,
  type HostFunctionName,
} from "./abi-table.ts";
import { implementations } from "./abi/index.ts";
import { Limits } from "./constants.ts";
import type { ModuleInfo } from "./module-info.ts";
import type { Vm } from "./vm.ts";

/** The first function export named like a known ABI marker wins (cpp-host bytecode_util). */
export function detectAbi(info: ModuleInfo): AbiVersion | null {
  for (const e of info.exports) {
    if (e.kind !== "func" || !(e.name in MODULE_FUNCTIONS)) continue;
    const row = MODULE_FUNCTIONS[e.name as keyof typeof MODULE_FUNCTIONS];
    if (row.role === "marker" && "abi" in row) return row.abi[0]!;
  }
  return null;
}

/** Hostcall restriction levels a host function passes (cpp-host setRestrictedCallback). */
const ALLOWED_LEVEL: Record<Allowed, number> = { callbacks: 0, start: 1, allocator: 2 };

/** What the host registers for a module of ABI `abi`: "module.name" → the host function's name. */
export function registeredImports(abi: AbiVersion): Map<string, HostFunctionName> {
  const out = new Map<string, HostFunctionName>();
  for (const [name, row] of hostFunctionRows()) {
    if (!hasAbi(row, abi)) continue;
    for (const module of importModules(row)) out.set(`${module}.${name}`, name);
  }
  return out;
}

function restrictedError(): Error {
  return new Error("restricted_callback");
}

/** Wraps a host function with cpp-host's restriction check (and the call trace when enabled). */
function wrap(vm: Vm, key: string, name: HostFunctionName, fn: (...args: any[]) => unknown): (...args: any[]) => unknown {
  const level = ALLOWED_LEVEL[(HOST_FUNCTIONS[name] as { allowed?: Allowed }).allowed ?? "callbacks"];
  if (vm.tracing) {
    return (...args: unknown[]) => {
      const shown = args.map((a) => (typeof a === "bigint" ? BigInt.asUintN(64, a) : (a as number) >>> 0));
      vm.traceLine(`[vm->host] ${key}(${shown.join(", ")})`);
      if (vm.restricted > level) throw restrictedError();
      const r = fn(...args);
      vm.traceLine(`[vm<-host] ${key} return: ${r === undefined ? "void" : r}`);
      return r;
    };
  }
  switch (paramCount(name)) {
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
  const registered = registeredImports(vm.abi);
  const impl = implementations(vm) as unknown as Record<HostFunctionName, (...args: any[]) => unknown>;
  const object: Record<string, Record<string, WebAssembly.ImportValue>> = {};
  let memory: WebAssembly.Memory | null = null;
  for (const imp of vm.info.imports) {
    const key = `${imp.module}.${imp.name}`;
    const slot = (object[imp.module] ??= {});
    switch (imp.kind) {
      case "func": {
        const name = registered.get(key);
        if (!name) return `Failed to load Wasm module due to a missing import: ${key}`;
        const want = cppHostSignature(name);
        if (want !== imp.type) {
          return `Failed to load Wasm module due to an import type mismatch: ${key}, want: ${imp.type}, but host exports: ${want}`;
        }
        slot[imp.name] = wrap(vm, key, name, impl[name]) as WebAssembly.ImportValue;
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
