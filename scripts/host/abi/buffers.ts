// Buffers: proxy_get_buffer_bytes / proxy_set_buffer_bytes / proxy_get_buffer_status over the buffer
// the current context can see (Context.getBuffer), with cpp-host's clamping and Envoy's write rules.

import { BUFFER_TYPE_MAX, Status } from "../constants.ts";
import type { AreaImplementations } from "../abi-table.ts";
import type { Vm } from "../vm.ts";

export function functions(vm: Vm): AreaImplementations<"buffers"> {
  const mem = vm.mem;
  const env = vm.env;
  return {
    proxy_get_buffer_bytes(type: number, start: number, max: number, ptrPtr: number, sizePtr: number): number {
      if (type >>> 0 > BUFFER_TYPE_MAX) return Status.BadArgument;
      const buffer = vm.ctx().getBuffer(type, env.vmConfiguration, env.pluginConfiguration);
      if (buffer === null) return Status.NotFound;
      start >>>= 0;
      const len = buffer.length;
      const end = Math.min(start + (max >>> 0), len);
      if (start >= end) return vm.copyOut(EMPTY, ptrPtr, sizePtr);
      return vm.copyOut(buffer.data.subarray(start, end), ptrPtr, sizePtr);
    },
    proxy_set_buffer_bytes(type: number, start: number, size: number, dataPtr: number, dataSize: number): number {
      if (type >>> 0 > BUFFER_TYPE_MAX) return Status.BadArgument;
      const buffer = vm.ctx().getBuffer(type, env.vmConfiguration, env.pluginConfiguration);
      if (buffer === null) return Status.NotFound;
      if (!mem.ok(dataPtr, dataSize)) return Status.InvalidMemoryAccess;
      return buffer.copyFrom(start >>> 0, size >>> 0, mem.bytes(dataPtr, dataSize));
    },
    proxy_get_buffer_status(type: number, lengthPtr: number, flagsPtr: number): number {
      if (type >>> 0 > BUFFER_TYPE_MAX) return Status.BadArgument;
      const buffer = vm.ctx().getBuffer(type, env.vmConfiguration, env.pluginConfiguration);
      if (buffer === null) return Status.NotFound;
      if (!mem.setU32(lengthPtr, buffer.length) || !mem.setU32(flagsPtr, 0)) return Status.InvalidMemoryAccess;
      return Status.Ok;
    },
  };
}

const EMPTY = new Uint8Array(0);
