// Header maps: every proxy_*_header_map_* call, over the maps the current context can see
// (Context.getMap for writes and size, Context.getConstMap for reads), Envoy's status codes.

import { MAP_TYPE_MAX, Status } from "../constants.ts";
import type { HeaderMap } from "../header-map.ts";
import type { AreaImplementations } from "../abi-table.ts";
import { decodePairs } from "../pairs.ts";
import type { Vm } from "../vm.ts";

const lengths: number[] = [];

/** Serializes a header map straight into a fresh allocation (docs/abi.md §1.6); empty ⇒ (0, 0). */
function copyOutMap(vm: Vm, map: HeaderMap | null, ptrPtr: number, sizePtr: number): number {
  if (map === null || map.size === 0) return vm.copyOut(EMPTY, ptrPtr, sizePtr);
  const { keys, values } = map;
  const n = keys.length;
  let size = 4 + 8 * n;
  for (let i = 0; i < n; i++) {
    const k = Buffer.byteLength(keys[i]!);
    const v = Buffer.byteLength(values[i]!);
    lengths[2 * i] = k;
    lengths[2 * i + 1] = v;
    size += k + v + 2;
  }
  const p = vm.alloc(size);
  if (p === 0) return Status.InvalidMemoryAccess;
  const mem = vm.mem;
  mem.sync();
  const dv = mem.dv;
  const u8 = mem.u8;
  dv.setUint32(p, n, true);
  let h = p + 4;
  let d = p + 4 + 8 * n;
  for (let i = 0; i < n; i++) {
    const k = lengths[2 * i]!;
    const v = lengths[2 * i + 1]!;
    dv.setUint32(h, k, true);
    dv.setUint32(h + 4, v, true);
    h += 8;
    mem.writeString(d, keys[i]!, k);
    d += k;
    u8[d++] = 0;
    mem.writeString(d, values[i]!, v);
    d += v;
    u8[d++] = 0;
  }
  if (!mem.setU32(ptrPtr, p) || !mem.setU32(sizePtr, size)) return Status.InvalidMemoryAccess;
  return Status.Ok;
}

export function functions(vm: Vm): AreaImplementations<"headers"> {
  const mem = vm.mem;
  const legacy = vm.abi === "0.1.0";
  return {
    proxy_get_header_map_value(type: number, keyPtr: number, keySize: number, valuePtrPtr: number, valueSizePtr: number): number {
      if (type >>> 0 > MAP_TYPE_MAX) return Status.BadArgument;
      if (!mem.ok(keyPtr, keySize)) return Status.InvalidMemoryAccess;
      const ctx = vm.ctx();
      const map = ctx.getConstMap(type);
      if (map === null) {
        if (!ctx.accessLogPhase) return Status.BadArgument;
        return legacy ? vm.copyOut(EMPTY, valuePtrPtr, valueSizePtr) : Status.NotFound;
      }
      const value = map.get(mem.string(keyPtr, keySize));
      if (value === undefined) return legacy ? vm.copyOut(EMPTY, valuePtrPtr, valueSizePtr) : Status.NotFound;
      return vm.copyOutString(value, valuePtrPtr, valueSizePtr);
    },
    proxy_add_header_map_value(type: number, keyPtr: number, keySize: number, valuePtr: number, valueSize: number): number {
      if (type >>> 0 > MAP_TYPE_MAX) return Status.BadArgument;
      if (!mem.ok(keyPtr, keySize) || !mem.ok(valuePtr, valueSize)) return Status.InvalidMemoryAccess;
      const map = vm.ctx().getMap(type);
      if (map === null) return Status.BadArgument;
      map.add(mem.string(keyPtr, keySize), mem.string(valuePtr, valueSize));
      return Status.Ok;
    },
    proxy_replace_header_map_value(type: number, keyPtr: number, keySize: number, valuePtr: number, valueSize: number): number {
      if (type >>> 0 > MAP_TYPE_MAX) return Status.BadArgument;
      if (!mem.ok(keyPtr, keySize) || !mem.ok(valuePtr, valueSize)) return Status.InvalidMemoryAccess;
      const map = vm.ctx().getMap(type);
      if (map === null) return Status.BadArgument;
      map.set(mem.string(keyPtr, keySize), mem.string(valuePtr, valueSize));
      return Status.Ok;
    },
    proxy_remove_header_map_value(type: number, keyPtr: number, keySize: number): number {
      if (type >>> 0 > MAP_TYPE_MAX) return Status.BadArgument;
      if (!mem.ok(keyPtr, keySize)) return Status.InvalidMemoryAccess;
      const map = vm.ctx().getMap(type);
      if (map === null) return Status.BadArgument;
      map.remove(mem.string(keyPtr, keySize));
      return Status.Ok;
    },
    proxy_get_header_map_pairs(type: number, ptrPtr: number, sizePtr: number): number {
      if (type >>> 0 > MAP_TYPE_MAX) return Status.BadArgument;
      return copyOutMap(vm, vm.ctx().getConstMap(type), ptrPtr, sizePtr);
    },
    proxy_set_header_map_pairs(type: number, ptr: number, size: number): number {
      if (type >>> 0 > MAP_TYPE_MAX) return Status.BadArgument;
      if (!mem.ok(ptr, size)) return Status.InvalidMemoryAccess;
      const map = vm.ctx().getMap(type);
      if (map === null) return Status.BadArgument;
      map.replaceAll(decodePairs(mem.view(ptr, size)));
      return Status.Ok;
    },
    proxy_get_header_map_size(type: number, sizePtr: number): number {
      if (type >>> 0 > MAP_TYPE_MAX) return Status.BadArgument;
      const map = vm.ctx().getMap(type);
      if (map === null) return Status.BadArgument;
      return mem.setU32(sizePtr, map.byteSize()) ? Status.Ok : Status.InvalidMemoryAccess;
    },
  };
}

const EMPTY = new Uint8Array(0);
