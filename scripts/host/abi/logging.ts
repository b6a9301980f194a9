// Logging: proxy_log (allowed everywhere, even inside the allocator) and proxy_get_log_level (0.2.1 only).

import { Status } from "../constants.ts";
import type { AreaImplementations } from "../abi-table.ts";
import type { Vm } from "../vm.ts";

export function functions(vm: Vm): AreaImplementations<"logging"> {
  const mem = vm.mem;
  return {
    proxy_log(level: number, ptr: number, size: number): number {
      if (level >>> 0 > 5) return Status.BadArgument;
      if (!mem.ok(ptr, size)) return Status.InvalidMemoryAccess;
      // Like ENVOY_LOG, a message below the level is dropped before anything is formatted.
      if (level >= vm.env.options.logLevel) vm.env.log(level, mem.string(ptr, size), vm.ctx().id, vm.role);
      return Status.Ok;
    },
    proxy_get_log_level(levelPtr: number): number {
      return mem.setU32(levelPtr, vm.env.options.logLevel) ? Status.Ok : Status.InvalidMemoryAccess;
    },
  };
}
