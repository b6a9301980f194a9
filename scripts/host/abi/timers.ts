// Timers and time: the tick period belongs to the caller's root context; time comes from the host clock.

import { Status } from "../constants.ts";
import { voids, words, type CallbackSpecs, type HostFunctions } from "../host-function.ts";
import type { Context } from "../context.ts";
import type { Vm } from "../vm.ts";

export const callbacks: CallbackSpecs = {
  proxy_on_tick: { sig: voids(1) },
};

export function functions(vm: Vm): HostFunctions {
  return {
    proxy_set_tick_period_milliseconds: {
      sig: words(1),
      fn(periodMs: number): number {
        const root = vm.ctx().root;
        root.tickPeriodMs = periodMs >>> 0;
        root.tickDueMs = root.tickPeriodMs > 0 ? vm.env.clock.nowMs() + root.tickPeriodMs : Infinity;
        vm.armTimer(root);
        vm.onTimerChange?.();
        return Status.Ok;
      },
    },
    proxy_get_current_time_nanoseconds: {
      sig: words(1),
      fn(ptr: number): number {
        return vm.mem.setU64(ptr, vm.env.clock.realtimeNs()) ? Status.Ok : Status.InvalidMemoryAccess;
      },
    },
  };
}

/** proxy_on_tick(root), then Envoy re-arms the timer with the root's current period. */
export function fireTick(vm: Vm, root: Context): void {
  if (vm.failed || root.deleted) return;
  root.tickDueMs = Infinity;
  if (vm.fns.proxy_on_tick) vm.call1("proxy_on_tick", root, root.id);
  if (root.tickPeriodMs > 0 && root.tickDueMs === Infinity) {
    root.tickDueMs = vm.env.clock.nowMs() + root.tickPeriodMs;
    vm.armTimer(root);
  }
}
