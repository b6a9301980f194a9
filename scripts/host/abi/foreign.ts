// Foreign functions: proxy_call_foreign_function runs a host function registered by name (Envoy ships
// compress/uncompress); the result is copied into memory from the module's allocator.
// proxy_on_foreign_function delivers asynchronous foreign events with their arguments in buffer 8.

import { Body } from "../body.ts";
import { Status } from "../constants.ts";
import type { AreaImplementations } from "../abi-table.ts";
import type { Vm } from "../vm.ts";

export function functions(vm: Vm): AreaImplementations<"foreign"> {
  const mem = vm.mem;
  return {
    proxy_call_foreign_function(namePtr: number, nameSize: number, argsPtr: number, argsSize: number, resPtrPtr: number, resSizePtr: number): number {
      if (!mem.ok(namePtr, nameSize) || !mem.ok(argsPtr, argsSize)) return Status.InvalidMemoryAccess;
      const f = vm.env.foreign.get(mem.string(namePtr, nameSize));
      if (!f) return Status.NotFound;
      const out = f(mem.bytes(argsPtr, argsSize));
      let status: number = Status.Ok;
      let result: Uint8Array | null = null;
      if (typeof out === "string") result = Buffer.from(out, "utf8");
      else if (out instanceof Uint8Array) result = out;
      else if (out && typeof out === "object" && "status" in out) status = out.status;
      let address = 0;
      const size = result?.length ?? 0;
      if (result && size > 0 && resPtrPtr !== 0) {
        address = vm.alloc(size);
        if (address === 0) return Status.InvalidMemoryAccess;
        mem.sync();
        mem.write(address, result);
      }
      if (resPtrPtr !== 0 && !mem.setU32(resPtrPtr, address)) return Status.InvalidMemoryAccess;
      if (resSizePtr !== 0 && !mem.setU32(resSizePtr, size)) return Status.InvalidMemoryAccess;
      return status;
    },
  };
}

/** proxy_on_foreign_function(root, function_id, args_size) with the arguments in buffer 8. */
export function deliverForeignFunction(vm: Vm, functionId: number, args: Buffer): void {
  if (vm.depth > 0) {
    vm.defer(() => deliverForeignFunction(vm, functionId, args));
    return;
  }
  const root = vm.root;
  const callback = vm.cb.proxy_on_foreign_function;
  if (!root || root.deleted || vm.failed || !callback) return;
  root.callData = new Body(args, false);
  vm.afterCall(() => (root.callData = null));
  vm.invoke(callback, root, root.id, functionId, args.length);
}
