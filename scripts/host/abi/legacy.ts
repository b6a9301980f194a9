// ABI 0.1.0-only host functions (cpp-host registers them only for modules exporting
// proxy_abi_version_0_1_0).

import { Status, StreamType } from "../constants.ts";
import type { AreaImplementations } from "../abi-table.ts";
import type { Vm } from "../vm.ts";
import { continueStream } from "./http.ts";

export function functions(vm: Vm): AreaImplementations<"legacy"> {
  return {
    proxy_get_configuration(ptrPtr: number, sizePtr: number): number {
      const ctx = vm.ctx();
      const config = ctx.pluginConfigurationVisible ? vm.env.pluginConfiguration : vm.env.vmConfiguration;
      return vm.copyOut(config.data, ptrPtr, sizePtr);
    },
    proxy_continue_request: () => continueStream(vm, StreamType.Request),
    proxy_continue_response: () => continueStream(vm, StreamType.Response),
    proxy_clear_route_cache: () => Status.Ok,
  };
}
