// The emulator's implementation of every host function of the ABI table (../abi-table.ts), by area.

import type { HostImplementations } from "../abi-table.ts";
import type { Vm } from "../vm.ts";
import * as buffers from "./buffers.ts";
import * as callouts from "./callouts.ts";
import * as foreign from "./foreign.ts";
import * as grpc from "./grpc.ts";
import * as headers from "./headers.ts";
import * as http from "./http.ts";
import * as legacy from "./legacy.ts";
import * as lifecycle from "./lifecycle.ts";
import * as logging from "./logging.ts";
import * as metrics from "./metrics.ts";
import * as properties from "./properties.ts";
import * as sharedData from "./shared-data.ts";
import * as sharedQueue from "./shared-queue.ts";
import * as timers from "./timers.ts";
import * as wasi from "./wasi.ts";

/** The host functions bound to one VM, by name (TypeScript holds each to the table's signature). */
export function implementations(vm: Vm): HostImplementations {
  return {
    ...lifecycle.functions(vm),
    ...logging.functions(vm),
    ...timers.functions(vm),
    ...buffers.functions(vm),
    ...headers.functions(vm),
    ...http.functions(vm),
    ...properties.functions(vm),
    ...callouts.functions(vm),
    ...grpc.functions(vm),
    ...sharedData.functions(vm),
    ...sharedQueue.functions(vm),
    ...metrics.functions(vm),
    ...foreign.functions(vm),
    ...legacy.functions(vm),
    ...wasi.functions(vm),
  };
}
