// Shared data: a key/value store scoped by vm_id, with compare-and-swap tokens.

import { Status } from "../constants.ts";
import type { AreaImplementations } from "../abi-table.ts";
import type { Vm } from "../vm.ts";

export function functions(vm: Vm): AreaImplementations<"shared-data"> {
  const mem = vm.mem;
  const env = vm.env;
  return {
    proxy_get_shared_data(keyPtr: number, keySize: number, valuePtrPtr: number, valueSizePtr: number, casPtr: number): number {
      if (!mem.ok(keyPtr, keySize)) return Status.InvalidMemoryAccess;
      const entry = env.shared.get(env.options.vmId, mem.string(keyPtr, keySize));
      if (!entry) return Status.NotFound;
      const status = vm.copyOut(entry.value, valuePtrPtr, valueSizePtr);
      if (status !== Status.Ok) return status;
      return mem.setU32(casPtr, entry.cas) ? Status.Ok : Status.InvalidMemoryAccess;
    },
    proxy_set_shared_data(keyPtr: number, keySize: number, valuePtr: number, valueSize: number, cas: number): number {
      if (!mem.ok(keyPtr, keySize) || !mem.ok(valuePtr, valueSize)) return Status.InvalidMemoryAccess;
      return env.shared.set(env.options.vmId, mem.string(keyPtr, keySize), mem.bytes(valuePtr, valueSize), cas >>> 0);
    },
  };
}
