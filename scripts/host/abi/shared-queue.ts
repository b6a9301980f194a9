// Shared queues: register/resolve by (vm_id, name), enqueue/dequeue FIFO, and proxy_on_queue_ready,
// posted to the root context that registered the queue after the current call returns.

import type { Context } from "../context.ts";
import { Status } from "../constants.ts";
import type { AreaImplementations } from "../abi-table.ts";
import type { QueuePoster, QueueTarget } from "../shared-store.ts";
import type { Vm } from "../vm.ts";

/**
 * The on_queue_ready target for queues registered by `root` of `vm`. Envoy posts the callback to the
 * registering worker's dispatcher (cpp-host shared_queue.cc#enqueue), so it never runs inside the
 * enqueuing call: not inside this VM's current call, and not inside another worker's (a host sharing
 * the SharedStore), which first has to return from its host→VM call.
 */
export function queueTarget(vm: Vm, root: Context): QueueTarget {
  const ready = (queueId: number) => {
    const callback = vm.cb.proxy_on_queue_ready;
    if (vm.failed || root.deleted || !callback) return;
    vm.invoke(callback, root, root.id, queueId);
  };
  return {
    notify(queueId: number, from?: QueuePoster): void {
      if (from && from !== vm) from.defer(() => vm.defer(() => ready(queueId)));
      else vm.defer(() => ready(queueId));
    },
  };
}

export function functions(vm: Vm): AreaImplementations<"shared-queue"> {
  const mem = vm.mem;
  const env = vm.env;
  return {
    proxy_register_shared_queue(namePtr: number, nameSize: number, idPtr: number): number {
      if (!mem.ok(namePtr, nameSize)) return Status.InvalidMemoryAccess;
      const root = vm.ctx().root;
      const id = env.shared.registerQueue(env.options.vmId, mem.string(namePtr, nameSize), queueTarget(vm, root));
      return mem.setU32(idPtr, id) ? Status.Ok : Status.InvalidMemoryAccess;
    },
    proxy_resolve_shared_queue(vmIdPtr: number, vmIdSize: number, namePtr: number, nameSize: number, idPtr: number): number {
      if (!mem.ok(vmIdPtr, vmIdSize) || !mem.ok(namePtr, nameSize)) return Status.InvalidMemoryAccess;
      const vmId = vmIdSize === 0 ? env.options.vmId : mem.string(vmIdPtr, vmIdSize);
      const id = env.shared.resolveQueue(vmId, mem.string(namePtr, nameSize));
      if (id === undefined) return Status.NotFound;
      return mem.setU32(idPtr, id) ? Status.Ok : Status.InvalidMemoryAccess;
    },
    proxy_enqueue_shared_queue(id: number, valuePtr: number, valueSize: number): number {
      if (!mem.ok(valuePtr, valueSize)) return Status.InvalidMemoryAccess;
      return env.shared.enqueue(id >>> 0, mem.bytes(valuePtr, valueSize), vm);
    },
    proxy_dequeue_shared_queue(id: number, valuePtrPtr: number, valueSizePtr: number): number {
      const item = env.shared.dequeue(id >>> 0);
      if (typeof item === "number") return item;
      return vm.copyOut(item, valuePtrPtr, valueSizePtr);
    },
  };
}
