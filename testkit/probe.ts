// Builds small hand-written Proxy-Wasm modules ("probes") for the conformance tests, independent of
// our SDK. Every probe has: memory (2 pages), a bump allocator that counts its calls at address 8,
// and $st, which logs a number as decimal text at INFO so a test can read results from logs.
// Signatures below are the ones docs/abi.md §1.3/§1.4 give, written out independently of the host.

import { ProxyWasmHost, type HostOptions } from "../scripts/host/index.ts";
import { wat } from "./wat.ts";

const W = (n: number) => `(param${" i32".repeat(n)}) (result i32)`;

/** Host function signatures per docs/abi.md §1.4, as WAT type uses. */
export const IMPORTS: Record<string, string> = {
  proxy_log: W(3),
  proxy_get_log_level: W(1),
  proxy_get_current_time_nanoseconds: W(1),
  proxy_set_tick_period_milliseconds: W(1),
  proxy_get_configuration: W(2),
  proxy_get_buffer_bytes: W(5),
  proxy_set_buffer_bytes: W(5),
  proxy_get_buffer_status: W(3),
  proxy_get_header_map_pairs: W(3),
  proxy_set_header_map_pairs: W(3),
  proxy_get_header_map_value: W(5),
  proxy_add_header_map_value: W(5),
  proxy_replace_header_map_value: W(5),
  proxy_remove_header_map_value: W(3),
  proxy_get_header_map_size: W(2),
  proxy_get_property: W(4),
  proxy_set_property: W(4),
  proxy_send_local_response: W(8),
  proxy_continue_stream: W(1),
  proxy_close_stream: W(1),
  proxy_continue_request: W(0),
  proxy_continue_response: W(0),
  proxy_clear_route_cache: W(0),
  proxy_get_status: W(3),
  proxy_http_call: W(10),
  proxy_grpc_call: W(12),
  proxy_grpc_stream: W(9),
  proxy_grpc_send: W(4),
  proxy_grpc_cancel: W(1),
  proxy_grpc_close: W(1),
  proxy_get_shared_data: W(5),
  proxy_set_shared_data: W(5),
  proxy_register_shared_queue: W(3),
  proxy_resolve_shared_queue: W(5),
  proxy_enqueue_shared_queue: W(3),
  proxy_dequeue_shared_queue: W(3),
  proxy_define_metric: W(4),
  proxy_increment_metric: "(param i32 i64) (result i32)",
  proxy_record_metric: "(param i32 i64) (result i32)",
  proxy_get_metric: W(2),
  proxy_set_effective_context: W(1),
  proxy_done: W(0),
  proxy_call_foreign_function: W(6),
};

export const WASI: Record<string, string> = {
  fd_write: W(4),
  proc_exit: "(param i32)",
  clock_time_get: "(param i32 i64 i32) (result i32)",
  random_get: W(2),
  environ_sizes_get: W(2),
  environ_get: W(2),
  args_sizes_get: W(2),
  poll_oneoff: W(4),
};

export interface ProbeSpec {
  /** ABI marker suffix; default "0_2_1". */
  abi?: "0_1_0" | "0_2_0" | "0_2_1" | null;
  /** Host functions to import from "env" (proxy_log is always imported). */
  imports?: string[];
  /** WASI functions to import from wasi_snapshot_preview1 as $wasi_<name>. */
  wasi?: string[];
  /** Extra raw module fields (imports first in the text are fine: they are placed before the rest). */
  rawImports?: string;
  /** Static strings: [address, text]. Addresses 0..15 are used by the kit. */
  data?: Array<[number, string]>;
  /** Which allocator export(s) to provide. */
  allocator?: "malloc" | "proxy_on_memory_allocate" | "both" | "none";
  /** The callbacks and helpers, in WAT. */
  body: string;
}

export function probeSource(spec: ProbeSpec): string {
  const abi = spec.abi === undefined ? "0_2_1" : spec.abi;
  const names = new Set(["proxy_log", ...(spec.imports ?? [])]);
  const imports = [...names].map((n) => {
    const t = IMPORTS[n];
    if (!t) throw new Error(`unknown import ${n}`);
    return `(import "env" "${n}" (func $${n} ${t}))`;
  });
  for (const n of spec.wasi ?? []) imports.push(`(import "wasi_snapshot_preview1" "${n}" (func $wasi_${n} ${WASI[n]}))`);
  const alloc = spec.allocator ?? "malloc";
  const allocFn = (name: string) => `(func (export "${name}") (param $size i32) (result i32)
      (local $p i32)
      (i32.store (i32.const 8) (i32.add (i32.load (i32.const 8)) (i32.const 1)))
      (local.set $p (global.get $heap))
      (global.set $heap (i32.and (i32.add (i32.add (global.get $heap) (local.get $size)) (i32.const 7)) (i32.const -8)))
      (local.get $p))`;
  const allocators =
    alloc === "none" ? [] : alloc === "both" ? [allocFn("malloc"), allocFn("proxy_on_memory_allocate")] : [allocFn(alloc)];
  const data = (spec.data ?? []).map(([at, text]) => `(data (i32.const ${at}) "${text}")`);
  return `(module
  ${imports.join("\n  ")}
  ${spec.rawImports ?? ""}
  (memory (export "memory") 2)
  (global $heap (mut i32) (i32.const 65536))
  ${data.join("\n  ")}
  ${abi ? `(func (export "proxy_abi_version_${abi}"))` : ""}
  ${allocators.join("\n  ")}
  ;; $st logs an unsigned number (a status, a size) as decimal text at INFO (up to 8 digits).
  (func $st (param $v i32) (local $p i32)
    (local.set $p (i32.const 8))
    (loop $digit
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10))))
      (local.set $v (i32.div_u (local.get $v) (i32.const 10)))
      (br_if $digit (i32.and (i32.ne (local.get $v) (i32.const 0)) (i32.gt_u (local.get $p) (i32.const 0)))))
    (drop (call $proxy_log (i32.const 2) (local.get $p) (i32.sub (i32.const 8) (local.get $p)))))
  ;; $logmem logs [ptr, ptr+len) at INFO.
  (func $logmem (param $p i32) (param $n i32)
    (drop (call $proxy_log (i32.const 2) (local.get $p) (local.get $n))))
  ;; $logout logs the (ptr, size) pair stored at $at (as written by a hostcall).
  (func $logout (param $at i32)
    (call $logmem (i32.load (local.get $at)) (i32.load (i32.add (local.get $at) (i32.const 4)))))
  ${spec.body}
)`;
}

export async function probe(spec: ProbeSpec): Promise<Uint8Array> {
  return wat(probeSource(spec));
}

/** Compiles a probe and starts it; `info` logs are on by default at level "info". */
export async function startProbe(spec: ProbeSpec, options: Partial<HostOptions> = {}): Promise<ProxyWasmHost> {
  return ProxyWasmHost.start({ rootId: "probe", ...options, wasm: await probe(spec) });
}

/** Number of allocator calls so far (the probe allocator counts them at address 8). */
export function allocCalls(host: ProxyWasmHost): number {
  return host.memorySnapshot().readUInt32LE(8);
}

/** Trace lines recorder for `trace:` option. */
export function recorder(): { lines: string[]; sink: (line: string) => void } {
  const lines: string[] = [];
  return { lines, sink: (l) => lines.push(l) };
}

/** The callbacks the host called, in order, from trace lines ("[host->vm] name(args)"). */
export function calls(lines: string[]): string[] {
  return lines.filter((l) => l.startsWith("[host->vm] ") && !l.includes("malloc(")).map((l) => l.slice(11));
}

/** Serializes pairs (docs/abi.md §1.6) as a WAT data string; returns it with its byte size. */
export function pairsData(pairs: Array<[string, string]>): { text: string; size: number } {
  const parts: number[] = [];
  const u32 = (n: number) => parts.push(n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255);
  u32(pairs.length);
  for (const [k, v] of pairs) {
    u32(Buffer.byteLength(k));
    u32(Buffer.byteLength(v));
  }
  for (const [k, v] of pairs) parts.push(...Buffer.from(k), 0, ...Buffer.from(v), 0);
  return { text: bytesData(Buffer.from(parts)), size: parts.length };
}

/** Any bytes as a WAT data string. */
export function bytesData(bytes: Uint8Array): string {
  return [...bytes].map((b) => "\\" + b.toString(16).padStart(2, "0")).join("");
}
