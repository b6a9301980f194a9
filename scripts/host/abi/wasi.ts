// WASI preview 1 as proxy-wasm-cpp-host provides it (registered under wasi_snapshot_preview1 and
// wasi_unstable): stdout/stderr go to the plugin log, proc_exit only logs, clocks come from the
// emulator's clock, random_get is capped at 64 KiB, files/sockets/paths are refused with fixed errnos.
// Also the two Emscripten shims cpp-host registers in "env".

import { randomFillSync } from "node:crypto";
import { Limits, WasiErrno } from "../constants.ts";
import { Allow, type HostFunction, type HostFunctions } from "../host-function.ts";
import type { Vm } from "../vm.ts";

const sig = (params: string) => `${params || "void"} -> i32`;
const fixed = (params: string, errno: number): HostFunction => ({ sig: sig(params), allow: Allow.Start, fn: () => errno });
/** fd_* calls cpp-host accepts on stdout/stderr and refuses elsewhere. */
const stdio = (params: string): HostFunction => ({
  sig: sig(params),
  allow: Allow.Start,
  fn: (fd: number) => (fd === 1 || fd === 2 ? WasiErrno.Success : WasiErrno.Badf),
});

export function functions(vm: Vm): HostFunctions {
  const mem = vm.mem;
  const env = vm.env;
  const environ = () => env.environment.map(([k, v]) => Buffer.from(`${k}=${v}\0`, "utf8"));
  return {
    fd_write: {
      sig: sig("i32 i32 i32 i32"),
      allow: Allow.Alloc,
      fn(fd: number, iovs: number, iovsLen: number, nwrittenPtr: number): number {
        const level = fd === 1 ? 2 : fd === 2 ? 4 : -1;
        if (level < 0) return WasiErrno.Badf;
        const parts: Buffer[] = [];
        for (let i = 0; i < iovsLen >>> 0; i++) {
          const at = (iovs >>> 0) + i * 8;
          if (!mem.ok(at, 8)) return WasiErrno.Fault;
          const buf = mem.getU32(at);
          const len = mem.getU32(at + 4);
          if (len === 0) continue;
          if (!mem.ok(buf, len)) return WasiErrno.Fault;
          parts.push(mem.bytes(buf, len));
        }
        const data = Buffer.concat(parts);
        const written = data.length;
        if (written > 0) {
          const end = data[written - 1] === 0x0a ? written - 1 : written;
          env.log(level, data.toString("utf8", 0, end), vm.ctx().id);
        }
        return mem.setU32(nwrittenPtr, written) ? WasiErrno.Success : WasiErrno.Fault;
      },
    },
    fd_read: fixed("i32 i32 i32 i32", WasiErrno.Nosys),
    fd_seek: {
      sig: sig("i32 i64 i32 i32"),
      allow: Allow.Start,
      fn(): number {
        env.message("wasi_unstable fd_seek");
        return WasiErrno.Success;
      },
    },
    fd_close: {
      sig: sig("i32"),
      allow: Allow.Start,
      fn(): number {
        env.message("wasi_unstable fd_close");
        return WasiErrno.Success;
      },
    },
    fd_fdstat_get: {
      sig: sig("i32 i32"),
      allow: Allow.Start,
      fn(fd: number, statPtr: number): number {
        if (fd !== 1 && fd !== 2) return WasiErrno.Badf;
        if (mem.ok(statPtr, 24)) {
          mem.u8.fill(0, statPtr >>> 0, (statPtr >>> 0) + 24);
          mem.setU64((statPtr >>> 0) + 8, 64n);
        }
        return WasiErrno.Success;
      },
    },
    fd_fdstat_set_flags: fixed("i32 i32", WasiErrno.Nosys),
    fd_prestat_get: fixed("i32 i32", WasiErrno.Badf),
    fd_prestat_dir_name: fixed("i32 i32 i32", WasiErrno.Nosys),
    fd_filestat_get: fixed("i32 i32", WasiErrno.Badf),
    fd_advise: stdio("i32 i64 i64 i32"),
    fd_allocate: stdio("i32 i64 i64"),
    fd_datasync: stdio("i32"),
    fd_sync: stdio("i32"),
    fd_fdstat_set_rights: stdio("i32 i64 i64"),
    fd_filestat_set_size: stdio("i32 i64"),
    fd_filestat_set_times: stdio("i32 i64 i64 i32"),
    fd_pread: fixed("i32 i32 i32 i64 i32", WasiErrno.Badf),
    fd_pwrite: fixed("i32 i32 i32 i64 i32", WasiErrno.Badf),
    fd_readdir: fixed("i32 i32 i32 i64 i32", WasiErrno.Badf),
    fd_renumber: fixed("i32 i32", WasiErrno.Badf),
    fd_tell: fixed("i32 i32", WasiErrno.Badf),
    path_open: fixed("i32 i32 i32 i32 i32 i64 i64 i32 i32", WasiErrno.Noent),
    path_filestat_get: fixed("i32 i32 i32 i32 i32", WasiErrno.Notsup),
    path_create_directory: fixed("i32 i32 i32", WasiErrno.Nosys),
    path_filestat_set_times: fixed("i32 i32 i32 i32 i64 i64 i32", WasiErrno.Nosys),
    // cpp-host declares these two with fewer parameters than WASI p1, so real imports fail to link.
    path_link: fixed("i32 i32 i32 i32 i32 i32", WasiErrno.Nosys),
    path_symlink: fixed("i32 i32 i32 i32", WasiErrno.Nosys),
    path_readlink: fixed("i32 i32 i32 i32 i32 i32", WasiErrno.Nosys),
    path_remove_directory: fixed("i32 i32 i32", WasiErrno.Nosys),
    path_rename: fixed("i32 i32 i32 i32 i32 i32", WasiErrno.Nosys),
    path_unlink_file: fixed("i32 i32 i32", WasiErrno.Nosys),
    sock_accept: fixed("i32 i32 i32", WasiErrno.Nosys),
    sock_recv: fixed("i32 i32 i32 i32 i32 i32", WasiErrno.Nosys),
    sock_send: fixed("i32 i32 i32 i32 i32", WasiErrno.Nosys),
    sock_shutdown: fixed("i32 i32", WasiErrno.Nosys),
    environ_sizes_get: {
      sig: sig("i32 i32"),
      allow: Allow.Start,
      fn(countPtr: number, sizePtr: number): number {
        const vars = environ();
        const size = vars.reduce((n, b) => n + b.length, 0);
        return mem.setU32(countPtr, vars.length) && mem.setU32(sizePtr, size) ? WasiErrno.Success : WasiErrno.Fault;
      },
    },
    environ_get: {
      sig: sig("i32 i32"),
      allow: Allow.Start,
      fn(arrayPtr: number, bufPtr: number): number {
        let a = arrayPtr >>> 0;
        let b = bufPtr >>> 0;
        for (const v of environ()) {
          if (!mem.setU32(a, b) || !mem.ok(b, v.length)) return WasiErrno.Fault;
          mem.write(b, v);
          a += 4;
          b += v.length;
        }
        return WasiErrno.Success;
      },
    },
    args_sizes_get: {
      sig: sig("i32 i32"),
      allow: Allow.Start,
      fn: (argcPtr: number, sizePtr: number) =>
        mem.setU32(argcPtr, 0) && mem.setU32(sizePtr, 0) ? WasiErrno.Success : WasiErrno.Fault,
    },
    args_get: fixed("i32 i32", WasiErrno.Success),
    clock_time_get: {
      sig: sig("i32 i64 i32"),
      allow: Allow.Alloc,
      fn(id: number, _precision: bigint, resultPtr: number): number {
        const t = id === 0 ? env.clock.realtimeNs() : id === 1 ? env.clock.monotonicNs() : null;
        if (t === null) return WasiErrno.Notsup;
        return mem.setU64(resultPtr, t) ? WasiErrno.Success : WasiErrno.Fault;
      },
    },
    clock_res_get: {
      sig: sig("i32 i32"),
      allow: Allow.Start,
      fn(id: number, resultPtr: number): number {
        if (id !== 0 && id !== 1) return WasiErrno.Notsup;
        return mem.setU64(resultPtr, 1n) ? WasiErrno.Success : WasiErrno.Fault;
      },
    },
    random_get: {
      sig: sig("i32 i32"),
      allow: Allow.Start,
      fn(ptr: number, len: number): number {
        if (len >>> 0 > Limits.randomGetMaxBytes) return WasiErrno.Inval;
        if (!mem.ok(ptr, len)) return WasiErrno.Fault;
        randomFillSync(mem.view(ptr, len));
        return WasiErrno.Success;
      },
    },
    proc_exit: {
      sig: "i32 -> void",
      allow: Allow.Start,
      fn(): void {
        env.message("wasi_unstable proc_exit");
      },
    },
    poll_oneoff: {
      sig: sig("i32 i32 i32 i32"),
      allow: Allow.Alloc,
      fn: (_in: number, _out: number, _n: number, neventsPtr: number) =>
        mem.setU32(neventsPtr, 0) ? WasiErrno.Success : WasiErrno.Fault,
    },
    sched_yield: fixed("", WasiErrno.Success),
  };
}

/** Emscripten runtime shims cpp-host registers in "env". */
export function envShims(): HostFunctions {
  return {
    emscripten_notify_memory_growth: { sig: "i32 -> void", allow: Allow.Alloc, fn: () => undefined },
    pthread_equal: { sig: "i32 i32 -> i32", allow: Allow.Start, fn: (a: number, b: number) => (a === b ? 1 : 0) },
  };
}
