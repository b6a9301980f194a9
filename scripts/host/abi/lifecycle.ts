// Lifecycle: proxy_done (finishes a postponed root shutdown) and proxy_set_effective_context.

import { Status } from "../constants.ts";
import type { AreaImplementations } from "../abi-table.ts";
import type { Vm } from "../vm.ts";

export function functions(vm: Vm): AreaImplementations<"lifecycle"> {
  return {
    proxy_set_effective_context(id: number): number {
      id >>>= 0;
      if (id !== 0 && !vm.contexts.has(id)) return Status.BadArgument;
      vm.effective = id;
      return Status.Ok;
    },
    proxy_done(): number {
      const ctx = vm.ctx();
      if (ctx.kind !== "root" || !ctx.pendingDone) return Status.NotFound;
      ctx.pendingDone = false;
      vm.defer(() => vm.deleteContext(ctx));
      return Status.Ok;
    },
  };
}
