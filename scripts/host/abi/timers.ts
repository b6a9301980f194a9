// Timers and time: the tick period belongs to the caller's root context; time comes from the host clock.

import { Status } from "../constants.ts";
import type { AreaImplementations } from "../abi-table.ts";
import type { Context } from "../context.ts";
import type { Vm } from "../vm.ts";

export function functions(vm: Vm): AreaImplementations<"timers"> {
  return {
    proxy_set_tick_period_milliseconds(periodMs: number): number {
      const root = vm.ctx().root;
      root.tickPeriodMs = periodMs >>> 0;
      root.tickDueMs = root.tickPeriodMs > 0 ? vm.env.clock.nowMs() + root.tickPeriodMs : Infinity;
      vm.armTimer(root);
      vm.onTimerChange?.();
      return Status.Ok;
    },
    proxy_get_current_time_nanoseconds(ptr: number): number {
      return vm.mem.setU64(ptr, vm.env.clock.realtimeNs()) ? Status.Ok : Status.InvalidMemoryAccess;
    },
  };
}

/** proxy_on_tick(root), then Envoy re-arms the timer with the root's current period. */
export function fireTick(vm: Vm, root: Context): void {
  if (vm.failed || root.deleted) return;
  root.tickDueMs = Infinity;
  const onTick = vm.cb.proxy_on_tick;
  if (onTick) vm.invoke(onTick, root, root.id);
  if (root.tickPeriodMs > 0 && root.tickDueMs === Infinity) {
    root.tickDueMs = vm.env.clock.nowMs() + root.tickPeriodMs;
    vm.armTimer(root);
  }
}
