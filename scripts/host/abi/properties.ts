// Properties: proxy_get_property (NUL-joined paths, typed encodings) and proxy_set_property
// (Envoy filter state "wasm.<path>", only where a stream exists).

import { findProperty } from "../attributes.ts";
import { Status } from "../constants.ts";
import type { AreaImplementations } from "../abi-table.ts";
import { encodePropertyValue } from "../property-values.ts";
import type { Vm } from "../vm.ts";

export function functions(vm: Vm): AreaImplementations<"properties"> {
  const mem = vm.mem;
  return {
    proxy_get_property(pathPtr: number, pathSize: number, valuePtrPtr: number, valueSizePtr: number): number {
      if (!mem.ok(pathPtr, pathSize)) return Status.InvalidMemoryAccess;
      const value = findProperty(vm.env, vm.ctx(), mem.string(pathPtr, pathSize));
      if (value === undefined) return Status.NotFound;
      const bytes = value instanceof Buffer ? value : encodePropertyValue(value);
      return vm.copyOut(bytes, valuePtrPtr, valueSizePtr);
    },
    proxy_set_property(pathPtr: number, pathSize: number, valuePtr: number, valueSize: number): number {
      if (!mem.ok(pathPtr, pathSize) || !mem.ok(valuePtr, valueSize)) return Status.InvalidMemoryAccess;
      const ctx = vm.ctx();
      if (ctx.kind !== "http" && ctx.kind !== "tcp") return Status.NotFound;
      (ctx.filterState ??= new Map()).set(mem.string(pathPtr, pathSize), mem.bytes(valuePtr, valueSize));
      return Status.Ok;
    },
  };
}
