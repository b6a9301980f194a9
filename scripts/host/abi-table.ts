// The ABI table: every host function a Proxy-Wasm module may import and every function of the module the
// host looks up (callbacks, start functions, allocators, ABI markers), with its parameters, result, the
// ABI versions that have it and its area. It is the only list: the emulator registers its
// implementations against it (scripts/host/abi/<area>.ts, typed by HostImplementations), resolves the
// module's callbacks from it (callbacks.ts), and the build checks and the WAT probe kit derive their
// import lists from it. tests/host/abi-table.test.ts holds the SDK's declarations (assembly/abi/<area>.ts)
// and callbacks (assembly/callbacks/<area>.ts) to it. Signatures: docs/abi.md §1.3, §1.4, §1.7.
//
// A parameter is a name (the SDK's), typed i32 unless written "name:i64".

export type AbiVersion = "0.1.0" | "0.2.0" | "0.2.1";

export type Area =
  | "lifecycle"
  | "logging"
  | "timers"
  | "buffers"
  | "headers"
  | "http"
  | "tcp"
  | "properties"
  | "callouts"
  | "grpc"
  | "shared-data"
  | "shared-queue"
  | "metrics"
  | "foreign"
  | "legacy"
  | "wasi";

/** Where a host function may run while cpp-host restricts hostcalls (setRestrictedCallback). */
export type Allowed = "callbacks" | "start" | "allocator";

export interface HostFunctionRow {
  area: Area;
  params: readonly string[];
  result: "i32" | "void";
  /** ABI versions that register it (all when omitted). */
  abi?: readonly AbiVersion[];
  /** "env" (default), or "wasi": registered under wasi_snapshot_preview1 and wasi_unstable. */
  module?: "env" | "wasi";
  /** Also callable during start-up, or even inside the allocator (default: callbacks only). */
  allowed?: Allowed;
}

export interface ModuleFunctionRow {
  area: Area;
  /** callback: a proxy_on_* the host calls; start: run once at load; allocator; marker: names the ABI version. */
  role: "callback" | "start" | "allocator" | "marker";
  params: readonly string[];
  result: "i32" | "void";
  /** ABI 0.1.0's parameters where they differ. */
  params010?: readonly string[];
  /** ABI versions whose host looks it up (all when omitted). */
  abi?: readonly AbiVersion[];
  /** The SDK does not export it (the host works without it). */
  sdk?: false;
}

const V010 = ["0.1.0"] as const;
const V020_ON = ["0.2.0", "0.2.1"] as const;
const V021 = ["0.2.1"] as const;

/** Host functions (module imports), by name. */
export const HOST_FUNCTIONS = {
  // lifecycle
  proxy_done: { area: "lifecycle", params: [], result: "i32" },
  proxy_set_effective_context: { area: "lifecycle", params: ["contextId"], result: "i32" },
  // logging
  proxy_log: { area: "logging", params: ["level", "messagePtr", "messageSize"], result: "i32", allowed: "allocator" },
  proxy_get_log_level: { area: "logging", params: ["returnLevel"], result: "i32", abi: V021 },
  // timers
  proxy_set_tick_period_milliseconds: { area: "timers", params: ["periodMilliseconds"], result: "i32" },
  proxy_get_current_time_nanoseconds: { area: "timers", params: ["returnTime"], result: "i32" },
  // buffers
  proxy_get_buffer_bytes: { area: "buffers", params: ["bufferType", "start", "maxSize", "returnPtr", "returnSize"], result: "i32" },
  proxy_set_buffer_bytes: { area: "buffers", params: ["bufferType", "start", "size", "dataPtr", "dataSize"], result: "i32" },
  proxy_get_buffer_status: { area: "buffers", params: ["bufferType", "returnLength", "returnFlags"], result: "i32" },
  // headers
  proxy_get_header_map_pairs: { area: "headers", params: ["mapType", "returnPtr", "returnSize"], result: "i32" },
  proxy_set_header_map_pairs: { area: "headers", params: ["mapType", "pairsPtr", "pairsSize"], result: "i32" },
  proxy_get_header_map_value: { area: "headers", params: ["mapType", "keyPtr", "keySize", "returnPtr", "returnSize"], result: "i32" },
  proxy_add_header_map_value: { area: "headers", params: ["mapType", "keyPtr", "keySize", "valuePtr", "valueSize"], result: "i32" },
  proxy_replace_header_map_value: { area: "headers", params: ["mapType", "keyPtr", "keySize", "valuePtr", "valueSize"], result: "i32" },
  proxy_remove_header_map_value: { area: "headers", params: ["mapType", "keyPtr", "keySize"], result: "i32" },
  proxy_get_header_map_size: { area: "headers", params: ["mapType", "returnSize"], result: "i32" },
  // http
  proxy_send_local_response: {
    area: "http",
    params: ["statusCode", "detailsPtr", "detailsSize", "bodyPtr", "bodySize", "headersPtr", "headersSize", "grpcStatus"],
    result: "i32",
  },
  proxy_continue_stream: { area: "http", params: ["streamType"], result: "i32", abi: V020_ON },
  proxy_close_stream: { area: "http", params: ["streamType"], result: "i32", abi: V020_ON },
  // properties
  proxy_get_property: { area: "properties", params: ["pathPtr", "pathSize", "returnPtr", "returnSize"], result: "i32" },
  proxy_set_property: { area: "properties", params: ["pathPtr", "pathSize", "valuePtr", "valueSize"], result: "i32" },
  // callouts
  proxy_http_call: {
    area: "callouts",
    params: [
      "upstreamPtr", "upstreamSize", "headersPtr", "headersSize", "bodyPtr", "bodySize", "trailersPtr", "trailersSize",
      "timeoutMilliseconds", "returnToken",
    ],
    result: "i32",
  },
  proxy_get_status: { area: "callouts", params: ["returnCode", "returnMessagePtr", "returnMessageSize"], result: "i32" },
  // grpc
  proxy_grpc_call: {
    area: "grpc",
    params: [
      "upstreamPtr", "upstreamSize", "serviceNamePtr", "serviceNameSize", "methodNamePtr", "methodNameSize",
      "initialMetadataPtr", "initialMetadataSize", "messagePtr", "messageSize", "timeoutMilliseconds", "returnToken",
    ],
    result: "i32",
  },
  proxy_grpc_stream: {
    area: "grpc",
    params: [
      "upstreamPtr", "upstreamSize", "serviceNamePtr", "serviceNameSize", "methodNamePtr", "methodNameSize",
      "initialMetadataPtr", "initialMetadataSize", "returnToken",
    ],
    result: "i32",
  },
  proxy_grpc_send: { area: "grpc", params: ["token", "messagePtr", "messageSize", "endOfStream"], result: "i32" },
  proxy_grpc_cancel: { area: "grpc", params: ["token"], result: "i32" },
  proxy_grpc_close: { area: "grpc", params: ["token"], result: "i32" },
  // shared data
  proxy_get_shared_data: { area: "shared-data", params: ["keyPtr", "keySize", "returnValuePtr", "returnValueSize", "returnCas"], result: "i32" },
  proxy_set_shared_data: { area: "shared-data", params: ["keyPtr", "keySize", "valuePtr", "valueSize", "cas"], result: "i32" },
  // shared queues
  proxy_register_shared_queue: { area: "shared-queue", params: ["namePtr", "nameSize", "returnId"], result: "i32" },
  proxy_resolve_shared_queue: { area: "shared-queue", params: ["vmIdPtr", "vmIdSize", "namePtr", "nameSize", "returnId"], result: "i32" },
  proxy_enqueue_shared_queue: { area: "shared-queue", params: ["queueId", "valuePtr", "valueSize"], result: "i32" },
  proxy_dequeue_shared_queue: { area: "shared-queue", params: ["queueId", "returnValuePtr", "returnValueSize"], result: "i32" },
  // metrics
  proxy_define_metric: { area: "metrics", params: ["metricType", "namePtr", "nameSize", "returnId"], result: "i32" },
  proxy_increment_metric: { area: "metrics", params: ["metricId", "delta:i64"], result: "i32" },
  proxy_record_metric: { area: "metrics", params: ["metricId", "value:i64"], result: "i32" },
  proxy_get_metric: { area: "metrics", params: ["metricId", "returnValue"], result: "i32" },
  // foreign functions
  proxy_call_foreign_function: {
    area: "foreign",
    params: ["namePtr", "nameSize", "argumentsPtr", "argumentsSize", "returnResultPtr", "returnResultSize"],
    result: "i32",
  },
  // ABI 0.1.0 only
  proxy_get_configuration: { area: "legacy", params: ["returnPtr", "returnSize"], result: "i32", abi: V010 },
  proxy_continue_request: { area: "legacy", params: [], result: "i32", abi: V010 },
  proxy_continue_response: { area: "legacy", params: [], result: "i32", abi: V010 },
  proxy_clear_route_cache: { area: "legacy", params: [], result: "i32", abi: V010 },
  // Emscripten runtime shims cpp-host registers in "env"
  emscripten_notify_memory_growth: { area: "wasi", params: ["memoryIndex"], result: "void", allowed: "allocator" },
  pthread_equal: { area: "wasi", params: ["left", "right"], result: "i32", allowed: "start" },
  // WASI preview 1 as cpp-host provides it (path_link and path_symlink with cpp-host's shorter signatures)
  fd_write: { area: "wasi", module: "wasi", params: ["fd", "iovs", "iovsLength", "returnWritten"], result: "i32", allowed: "allocator" },
  fd_read: { area: "wasi", module: "wasi", params: ["fd", "iovs", "iovsLength", "returnRead"], result: "i32", allowed: "start" },
  fd_seek: { area: "wasi", module: "wasi", params: ["fd", "offset:i64", "whence", "returnOffset"], result: "i32", allowed: "start" },
  fd_close: { area: "wasi", module: "wasi", params: ["fd"], result: "i32", allowed: "start" },
  fd_fdstat_get: { area: "wasi", module: "wasi", params: ["fd", "returnStat"], result: "i32", allowed: "start" },
  fd_fdstat_set_flags: { area: "wasi", module: "wasi", params: ["fd", "flags"], result: "i32", allowed: "start" },
  fd_prestat_get: { area: "wasi", module: "wasi", params: ["fd", "returnPrestat"], result: "i32", allowed: "start" },
  fd_prestat_dir_name: { area: "wasi", module: "wasi", params: ["fd", "pathPtr", "pathSize"], result: "i32", allowed: "start" },
  fd_filestat_get: { area: "wasi", module: "wasi", params: ["fd", "returnFilestat"], result: "i32", allowed: "start" },
  fd_advise: { area: "wasi", module: "wasi", params: ["fd", "offset:i64", "length:i64", "advice"], result: "i32", allowed: "start" },
  fd_allocate: { area: "wasi", module: "wasi", params: ["fd", "offset:i64", "length:i64"], result: "i32", allowed: "start" },
  fd_datasync: { area: "wasi", module: "wasi", params: ["fd"], result: "i32", allowed: "start" },
  fd_sync: { area: "wasi", module: "wasi", params: ["fd"], result: "i32", allowed: "start" },
  fd_fdstat_set_rights: { area: "wasi", module: "wasi", params: ["fd", "rightsBase:i64", "rightsInheriting:i64"], result: "i32", allowed: "start" },
  fd_filestat_set_size: { area: "wasi", module: "wasi", params: ["fd", "size:i64"], result: "i32", allowed: "start" },
  fd_filestat_set_times: { area: "wasi", module: "wasi", params: ["fd", "accessTime:i64", "modifyTime:i64", "flags"], result: "i32", allowed: "start" },
  fd_pread: { area: "wasi", module: "wasi", params: ["fd", "iovs", "iovsLength", "offset:i64", "returnRead"], result: "i32", allowed: "start" },
  fd_pwrite: { area: "wasi", module: "wasi", params: ["fd", "iovs", "iovsLength", "offset:i64", "returnWritten"], result: "i32", allowed: "start" },
  fd_readdir: { area: "wasi", module: "wasi", params: ["fd", "bufferPtr", "bufferSize", "cookie:i64", "returnUsed"], result: "i32", allowed: "start" },
  fd_renumber: { area: "wasi", module: "wasi", params: ["fd", "to"], result: "i32", allowed: "start" },
  fd_tell: { area: "wasi", module: "wasi", params: ["fd", "returnOffset"], result: "i32", allowed: "start" },
  path_open: {
    area: "wasi",
    module: "wasi",
    params: ["fd", "dirflags", "pathPtr", "pathSize", "oflags", "rightsBase:i64", "rightsInheriting:i64", "fdflags", "returnFd"],
    result: "i32",
    allowed: "start",
  },
  path_filestat_get: { area: "wasi", module: "wasi", params: ["fd", "flags", "pathPtr", "pathSize", "returnFilestat"], result: "i32", allowed: "start" },
  path_create_directory: { area: "wasi", module: "wasi", params: ["fd", "pathPtr", "pathSize"], result: "i32", allowed: "start" },
  path_filestat_set_times: {
    area: "wasi",
    module: "wasi",
    params: ["fd", "flags", "pathPtr", "pathSize", "accessTime:i64", "modifyTime:i64", "fstFlags"],
    result: "i32",
    allowed: "start",
  },
  path_link: { area: "wasi", module: "wasi", params: ["oldFd", "oldFlags", "oldPathPtr", "oldPathSize", "newFd", "newPathPtr"], result: "i32", allowed: "start" },
  path_symlink: { area: "wasi", module: "wasi", params: ["oldPathPtr", "oldPathSize", "fd", "newPathPtr"], result: "i32", allowed: "start" },
  path_readlink: { area: "wasi", module: "wasi", params: ["fd", "pathPtr", "pathSize", "bufferPtr", "bufferSize", "returnUsed"], result: "i32", allowed: "start" },
  path_remove_directory: { area: "wasi", module: "wasi", params: ["fd", "pathPtr", "pathSize"], result: "i32", allowed: "start" },
  path_rename: { area: "wasi", module: "wasi", params: ["fd", "oldPathPtr", "oldPathSize", "newFd", "newPathPtr", "newPathSize"], result: "i32", allowed: "start" },
  path_unlink_file: { area: "wasi", module: "wasi", params: ["fd", "pathPtr", "pathSize"], result: "i32", allowed: "start" },
  sock_accept: { area: "wasi", module: "wasi", params: ["fd", "flags", "returnFd"], result: "i32", allowed: "start" },
  sock_recv: { area: "wasi", module: "wasi", params: ["fd", "iovs", "iovsLength", "flags", "returnSize", "returnFlags"], result: "i32", allowed: "start" },
  sock_send: { area: "wasi", module: "wasi", params: ["fd", "iovs", "iovsLength", "flags", "returnSize"], result: "i32", allowed: "start" },
  sock_shutdown: { area: "wasi", module: "wasi", params: ["fd", "how"], result: "i32", allowed: "start" },
  environ_sizes_get: { area: "wasi", module: "wasi", params: ["returnCount", "returnSize"], result: "i32", allowed: "start" },
  environ_get: { area: "wasi", module: "wasi", params: ["environ", "environBuffer"], result: "i32", allowed: "start" },
  args_sizes_get: { area: "wasi", module: "wasi", params: ["returnCount", "returnSize"], result: "i32", allowed: "start" },
  args_get: { area: "wasi", module: "wasi", params: ["argv", "argvBuffer"], result: "i32", allowed: "start" },
  clock_time_get: { area: "wasi", module: "wasi", params: ["clockId", "precision:i64", "returnTime"], result: "i32", allowed: "allocator" },
  clock_res_get: { area: "wasi", module: "wasi", params: ["clockId", "returnResolution"], result: "i32", allowed: "start" },
  random_get: { area: "wasi", module: "wasi", params: ["bufferPtr", "bufferSize"], result: "i32", allowed: "start" },
  proc_exit: { area: "wasi", module: "wasi", params: ["code"], result: "void", allowed: "start" },
  poll_oneoff: { area: "wasi", module: "wasi", params: ["subscriptions", "events", "subscriptionCount", "returnEvents"], result: "i32", allowed: "allocator" },
  sched_yield: { area: "wasi", module: "wasi", params: [], result: "i32", allowed: "start" },
} as const satisfies Record<string, HostFunctionRow>;

/** Functions of the module the host looks up, by export name, in cpp-host's lookup order. */
export const MODULE_FUNCTIONS = {
  // start functions: _initialize (then main, or __main_void), else _start
  _initialize: { area: "lifecycle", role: "start", params: [], result: "void" },
  main: { area: "lifecycle", role: "start", params: ["argc", "argv"], result: "i32", sdk: false },
  __main_void: { area: "lifecycle", role: "start", params: [], result: "i32", sdk: false },
  _start: { area: "lifecycle", role: "start", params: [], result: "void", sdk: false },
  // allocators: malloc, or proxy_on_memory_allocate when malloc is absent
  malloc: { area: "lifecycle", role: "allocator", params: ["size"], result: "i32" },
  proxy_on_memory_allocate: { area: "lifecycle", role: "allocator", params: ["size"], result: "i32" },
  // ABI markers (the first one exported names the version; never called)
  proxy_abi_version_0_1_0: { area: "lifecycle", role: "marker", params: [], result: "void", abi: V010, sdk: false },
  proxy_abi_version_0_2_0: { area: "lifecycle", role: "marker", params: [], result: "void", abi: ["0.2.0"], sdk: false },
  proxy_abi_version_0_2_1: { area: "lifecycle", role: "marker", params: [], result: "void", abi: V021 },
  // callbacks
  proxy_on_context_create: { area: "lifecycle", role: "callback", params: ["contextId", "parentContextId"], result: "void" },
  proxy_on_vm_start: { area: "lifecycle", role: "callback", params: ["rootContextId", "vmConfigurationSize"], result: "i32" },
  proxy_on_configure: { area: "lifecycle", role: "callback", params: ["rootContextId", "pluginConfigurationSize"], result: "i32" },
  proxy_validate_configuration: {
    area: "lifecycle",
    role: "callback",
    params: ["rootContextId", "configurationSize"],
    result: "i32",
    sdk: false,
  },
  proxy_on_done: { area: "lifecycle", role: "callback", params: ["contextId"], result: "i32" },
  proxy_on_log: { area: "lifecycle", role: "callback", params: ["contextId"], result: "void" },
  proxy_on_delete: { area: "lifecycle", role: "callback", params: ["contextId"], result: "void" },
  proxy_on_tick: { area: "timers", role: "callback", params: ["rootContextId"], result: "void" },
  proxy_on_request_headers: {
    area: "http",
    role: "callback",
    params: ["contextId", "headerCount", "endOfStream"],
    params010: ["contextId", "headerCount"],
    result: "i32",
  },
  proxy_on_request_body: { area: "http", role: "callback", params: ["contextId", "bodySize", "endOfStream"], result: "i32" },
  proxy_on_request_trailers: { area: "http", role: "callback", params: ["contextId", "trailerCount"], result: "i32" },
  proxy_on_request_metadata: { area: "http", role: "callback", params: ["contextId", "elementCount"], result: "i32", sdk: false },
  proxy_on_response_headers: {
    area: "http",
    role: "callback",
    params: ["contextId", "headerCount", "endOfStream"],
    params010: ["contextId", "headerCount"],
    result: "i32",
  },
  proxy_on_response_body: { area: "http", role: "callback", params: ["contextId", "bodySize", "endOfStream"], result: "i32" },
  proxy_on_response_trailers: { area: "http", role: "callback", params: ["contextId", "trailerCount"], result: "i32" },
  proxy_on_response_metadata: { area: "http", role: "callback", params: ["contextId", "elementCount"], result: "i32", sdk: false },
  proxy_on_new_connection: { area: "tcp", role: "callback", params: ["contextId"], result: "i32" },
  proxy_on_downstream_data: { area: "tcp", role: "callback", params: ["contextId", "dataSize", "endOfStream"], result: "i32" },
  proxy_on_upstream_data: { area: "tcp", role: "callback", params: ["contextId", "dataSize", "endOfStream"], result: "i32" },
  proxy_on_downstream_connection_close: { area: "tcp", role: "callback", params: ["contextId", "peerType"], result: "void" },
  proxy_on_upstream_connection_close: { area: "tcp", role: "callback", params: ["contextId", "peerType"], result: "void" },
  proxy_on_http_call_response: {
    area: "callouts",
    role: "callback",
    params: ["rootContextId", "token", "headerCount", "bodySize", "trailerCount"],
    result: "void",
  },
  proxy_on_grpc_receive_initial_metadata: { area: "grpc", role: "callback", params: ["rootContextId", "token", "headerCount"], result: "void" },
  proxy_on_grpc_receive: { area: "grpc", role: "callback", params: ["rootContextId", "token", "messageSize"], result: "void" },
  proxy_on_grpc_receive_trailing_metadata: { area: "grpc", role: "callback", params: ["rootContextId", "token", "headerCount"], result: "void" },
  proxy_on_grpc_close: { area: "grpc", role: "callback", params: ["rootContextId", "token", "grpcStatus"], result: "void" },
  proxy_on_queue_ready: { area: "shared-queue", role: "callback", params: ["rootContextId", "queueId"], result: "void" },
  proxy_on_foreign_function: {
    area: "foreign",
    role: "callback",
    params: ["rootContextId", "functionId", "argumentsSize"],
    result: "void",
    abi: V020_ON,
  },
  // Envoy's own callbacks, looked up by its Wasm class
  envoy_on_resolve_dns: { area: "foreign", role: "callback", params: ["rootContextId", "token", "dataSize"], result: "void", sdk: false },
  envoy_on_stats_update: { area: "foreign", role: "callback", params: ["rootContextId", "resultSize"], result: "void", sdk: false },
} as const satisfies Record<string, ModuleFunctionRow>;

export type HostFunctionName = keyof typeof HOST_FUNCTIONS;
export type ModuleFunctionName = keyof typeof MODULE_FUNCTIONS;
export type CallbackName = {
  [N in ModuleFunctionName]: (typeof MODULE_FUNCTIONS)[N]["role"] extends "callback" ? N : never;
}[ModuleFunctionName];

/** The JavaScript arguments a wasm parameter list arrives as (i64 as bigint). */
type Args<P extends readonly string[]> = { -readonly [K in keyof P]: P[K] extends `${string}:i64` ? bigint : number };
type Returns<R> = R extends "void" ? void : number;

/** What an implementation of host function N must look like (TypeScript checks the signature). */
export type HostImplementation<N extends HostFunctionName> = (
  ...args: Args<(typeof HOST_FUNCTIONS)[N]["params"]>
) => Returns<(typeof HOST_FUNCTIONS)[N]["result"]>;

/** Exactly the host functions of `area`, each implemented. */
export type AreaImplementations<A extends Area> = {
  [N in HostFunctionName as (typeof HOST_FUNCTIONS)[N]["area"] extends A ? N : never]: HostImplementation<N>;
};

export type HostImplementations = { [N in HostFunctionName]: HostImplementation<N> };

// ---- Derived forms --------------------------------------------------------------------------------

const TYPE = (param: string): "i32" | "i64" => (param.endsWith(":i64") ? "i64" : "i32");

/** A parameter's name without its type. */
export const paramName = (param: string): string => param.replace(/:i64$/, "");

/** The wasm types of a parameter list. */
export function paramTypes(params: readonly string[]): Array<"i32" | "i64"> {
  return params.map(TYPE);
}

function row(name: string): HostFunctionRow | ModuleFunctionRow {
  const found = (HOST_FUNCTIONS as Record<string, HostFunctionRow>)[name] ?? (MODULE_FUNCTIONS as Record<string, ModuleFunctionRow>)[name];
  if (!found) throw new Error(`${name} is not in the ABI table`);
  return found;
}

function paramsFor(name: string, abi: AbiVersion): readonly string[] {
  const r = row(name);
  return abi === "0.1.0" && "params010" in r && r.params010 ? r.params010 : r.params;
}

/** cpp-host's notation, as its link and signature errors print it: "i32 i64 -> i32", "void -> void". */
export function cppHostSignature(name: string, abi: AbiVersion = "0.2.1"): string {
  const types = paramTypes(paramsFor(name, abi));
  return `${types.length ? types.join(" ") : "void"} -> ${row(name).result}`;
}

/** The wasm function type written "(params)->(results)", as wasm-objdump-style checks compare it. */
export function arrowSignature(name: string, abi: AbiVersion = "0.2.1"): string {
  const result = row(name).result;
  return `(${paramTypes(paramsFor(name, abi)).join(",")})->(${result === "void" ? "" : result})`;
}

/** A WAT type use: "(param i32 i64) (result i32)". */
export function watSignature(name: string, abi: AbiVersion = "0.2.1"): string {
  const types = paramTypes(paramsFor(name, abi));
  const result = row(name).result;
  return [types.length ? `(param ${types.join(" ")})` : "", result === "void" ? "" : `(result ${result})`].filter(Boolean).join(" ");
}

/** Number of parameters (the arity of the JavaScript implementation or call). */
export function arity(name: string, abi: AbiVersion = "0.2.1"): number {
  return paramsFor(name, abi).length;
}

export function hasAbi(r: { abi?: readonly AbiVersion[] }, abi: AbiVersion): boolean {
  return r.abi === undefined || r.abi.includes(abi);
}

/** Import module names a host function is registered under. */
export function importModules(r: HostFunctionRow): readonly string[] {
  return r.module === "wasi" ? WASI_MODULES : ["env"];
}

export const WASI_MODULES = ["wasi_snapshot_preview1", "wasi_unstable"] as const;

export function hostFunctionRows(): Array<[HostFunctionName, HostFunctionRow]> {
  return Object.entries(HOST_FUNCTIONS) as Array<[HostFunctionName, HostFunctionRow]>;
}

export function moduleFunctionRows(): Array<[ModuleFunctionName, ModuleFunctionRow]> {
  return Object.entries(MODULE_FUNCTIONS) as Array<[ModuleFunctionName, ModuleFunctionRow]>;
}
