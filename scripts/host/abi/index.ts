// The host side of the ABI, by area (the same area names as assembly/abi/).

import type { CallbackSpecs, HostFunctions } from "../host-function.ts";
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
import * as tcp from "./tcp.ts";
import * as timers from "./timers.ts";
import * as wasi from "./wasi.ts";

interface Area {
  functions(vm: Vm): HostFunctions;
  callbacks?: CallbackSpecs;
}

/** Areas whose host functions live in module "env". */
export const ENV_AREAS: readonly Area[] = [
  lifecycle,
  logging,
  timers,
  buffers,
  headers,
  http,
  tcp,
  properties,
  callouts,
  grpc,
  sharedData,
  sharedQueue,
  metrics,
  foreign,
  legacy,
  { functions: () => wasi.envShims() },
];

export const WASI_MODULES = ["wasi_snapshot_preview1", "wasi_unstable"] as const;
export const wasiFunctions = wasi.functions;

/** Every callback a host looks up, with its expected signature. */
export const CALLBACKS: CallbackSpecs = Object.assign(
  {},
  ...ENV_AREAS.map((a) => a.callbacks ?? {}),
  // Envoy-specific callbacks looked up by Envoy's Wasm class.
  { envoy_on_resolve_dns: { sig: "i32 i32 i32 -> void" }, envoy_on_stats_update: { sig: "i32 i32 -> void" } },
);

export const START_FUNCTIONS = lifecycle.startFunctions;
export const ALLOCATORS = lifecycle.allocators;
