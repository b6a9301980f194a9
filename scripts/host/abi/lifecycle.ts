// Lifecycle: context creation/start/configure/teardown callbacks, proxy_done, proxy_set_effective_context,
// and the module functions cpp-host looks up to start the VM and to allocate memory in it.

import { Status } from "../constants.ts";
import { voids, words, type CallbackSpecs, type HostFunctions } from "../host-function.ts";
import type { Vm } from "../vm.ts";

/** Start functions, in cpp-host's lookup order (_initialize then main / __main_void, else _start). */
export const startFunctions = {
  _initialize: voids(0),
  main: words(2),
  __main_void: words(0),
  _start: voids(0),
} as const;

/** Allocators: malloc is looked up first, proxy_on_memory_allocate only if malloc is absent. */
export const allocators = {
  malloc: words(1),
  proxy_on_memory_allocate: words(1),
} as const;

export const callbacks: CallbackSpecs = {
  proxy_on_context_create: { sig: voids(2) },
  proxy_on_vm_start: { sig: words(2) },
  proxy_on_configure: { sig: words(2) },
  proxy_validate_configuration: { sig: words(2) },
  proxy_on_done: { sig: words(1) },
  proxy_on_log: { sig: voids(1) },
  proxy_on_delete: { sig: voids(1) },
};

export function functions(vm: Vm): HostFunctions {
  return {
    proxy_set_effective_context: {
      sig: words(1),
      fn(id: number): number {
        id >>>= 0;
        if (id !== 0 && !vm.contexts.has(id)) return Status.BadArgument;
        vm.effective = id;
        return Status.Ok;
      },
    },
    proxy_done: {
      sig: words(0),
      fn(): number {
        const ctx = vm.ctx();
        if (ctx.kind !== "root" || !ctx.pendingDone) return Status.NotFound;
        ctx.pendingDone = false;
        vm.defer(() => vm.deleteContext(ctx));
        return Status.Ok;
      },
    },
  };
}
