// Builds small hand-written Proxy-Wasm modules ("probes") for the conformance tests, independent of
// our SDK. Every probe has: memory (2 pages), a bump allocator that counts its calls at address 8,
// and $st, which logs a number as decimal text at INFO so a test can read results from logs.
// Import signatures come from the ABI table (scripts/host/abi-table.ts).

import { hostFunctionRows, watSignature } from "../scripts/host/abi-table.ts";
import { ProxyWasmHost, type HostOptions } from "../scripts/host/index.ts";
import { wat } from "./wat.ts";

/** Host functions a probe may import from "env", as WAT type uses. */
export const IMPORTS: Record<string, string> = Object.fromEntries(
  hostFunctionRows()
    .filter(([, row]) => (row.module ?? "env") === "env")
    .map(([name]) => [name, watSignature(name)]),
);

/** WASI functions a probe may import from wasi_snapshot_preview1, as WAT type uses. */
export const WASI: Record<string, string> = Object.fromEntries(
  hostFunctionRows()
    .filter(([, row]) => row.module === "wasi")
    .map(([name]) => [name, watSignature(name)]),
);

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
    if (t === undefined) throw new Error(`unknown import ${n}`);
    return `(import "env" "${n}" (func $${n} ${t}))`;
  });
  for (const n of spec.wasi ?? []) {
    if (WASI[n] === undefined) throw new Error(`unknown WASI import ${n}`);
    imports.push(`(import "wasi_snapshot_preview1" "${n}" (func $wasi_${n} ${WASI[n]}))`);
  }
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
