// WASI preview 1 as proxy-wasm-cpp-host provides it (registered under wasi_snapshot_preview1 and
// wasi_unstable): stdout/stderr go to the plugin log, proc_exit only logs, clocks come from the
// emulator's clock, random_get is capped at 64 KiB, files/sockets/paths are refused with fixed errnos.
// Also the two Emscripten shims cpp-host registers in "env".

import { randomFillSync } from "node:crypto";
import { Limits, WasiErrno } from "../constants.ts";
import type { AreaImplementations } from "../abi-table.ts";
import type { Vm } from "../vm.ts";

/** A call cpp-host answers with a fixed errno. */
const fixed = (errno: number) => () => errno;
/** fd_* calls cpp-host accepts on stdout/stderr and refuses elsewhere. */
const stdio = (fd: number): number => (fd === 1 || fd === 2 ? WasiErrno.Success : WasiErrno.Badf);

export function functions(vm: Vm): AreaImplementations<"wasi"> {
  const mem = vm.mem;
  const env = vm.env;
  const environ = () => env.environment.map(([k, v]) => Buffer.from(`${k}=${v}\0`, "utf8"));
  return {
    fd_write(fd: number, iovs: number, iovsLen: number, nwrittenPtr: number): number {
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
        env.log(level, data.toString("utf8", 0, end), vm.ctx().id, vm.role);
      }
      return mem.setU32(nwrittenPtr, written) ? WasiErrno.Success : WasiErrno.Fault;
    },
    fd_read: fixed(WasiErrno.Nosys),
    fd_seek(): number {
      env.message("wasi_unstable fd_seek");
      return WasiErrno.Success;
    },
    fd_close(): number {
      env.message("wasi_unstable fd_close");
      return WasiErrno.Success;
    },
    fd_fdstat_get(fd: number, statPtr: number): number {
      if (fd !== 1 && fd !== 2) return WasiErrno.Badf;
      if (mem.ok(statPtr, 24)) {
        mem.u8.fill(0, statPtr >>> 0, (statPtr >>> 0) + 24);
        mem.setU64((statPtr >>> 0) + 8, 64n);
      }
      return WasiErrno.Success;
    },
    fd_fdstat_set_flags: fixed(WasiErrno.Nosys),
    fd_prestat_get: fixed(WasiErrno.Badf),
    fd_prestat_dir_name: fixed(WasiErrno.Nosys),
    fd_filestat_get: fixed(WasiErrno.Badf),
    fd_advise: stdio,
    fd_allocate: stdio,
    fd_datasync: stdio,
    fd_sync: stdio,
    fd_fdstat_set_rights: stdio,
    fd_filestat_set_size: stdio,
    fd_filestat_set_times: stdio,
    fd_pread: fixed(WasiErrno.Badf),
    fd_pwrite: fixed(WasiErrno.Badf),
    fd_readdir: fixed(WasiErrno.Badf),
    fd_renumber: fixed(WasiErrno.Badf),
    fd_tell: fixed(WasiErrno.Badf),
    path_open: fixed(WasiErrno.Noent),
    path_filestat_get: fixed(WasiErrno.Notsup),
    path_create_directory: fixed(WasiErrno.Nosys),
    path_filestat_set_times: fixed(WasiErrno.Nosys),
    // cpp-host declares these two with fewer parameters than WASI p1, so real imports fail to link.
    path_link: fixed(WasiErrno.Nosys),
    path_symlink: fixed(WasiErrno.Nosys),
    path_readlink: fixed(WasiErrno.Nosys),
    path_remove_directory: fixed(WasiErrno.Nosys),
    path_rename: fixed(WasiErrno.Nosys),
    path_unlink_file: fixed(WasiErrno.Nosys),
    sock_accept: fixed(WasiErrno.Nosys),
    sock_recv: fixed(WasiErrno.Nosys),
    sock_send: fixed(WasiErrno.Nosys),
    sock_shutdown: fixed(WasiErrno.Nosys),
    environ_sizes_get(countPtr: number, sizePtr: number): number {
      const vars = environ();
      const size = vars.reduce((n, b) => n + b.length, 0);
      return mem.setU32(countPtr, vars.length) && mem.setU32(sizePtr, size) ? WasiErrno.Success : WasiErrno.Fault;
    },
    environ_get(arrayPtr: number, bufPtr: number): number {
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
    args_sizes_get: (argcPtr: number, sizePtr: number) =>
      mem.setU32(argcPtr, 0) && mem.setU32(sizePtr, 0) ? WasiErrno.Success : WasiErrno.Fault,
    args_get: fixed(WasiErrno.Success),
    clock_time_get(id: number, _precision: bigint, resultPtr: number): number {
      const t = id === 0 ? env.clock.realtimeNs() : id === 1 ? env.clock.monotonicNs() : null;
      if (t === null) return WasiErrno.Notsup;
      return mem.setU64(resultPtr, t) ? WasiErrno.Success : WasiErrno.Fault;
    },
    clock_res_get(id: number, resultPtr: number): number {
      if (id !== 0 && id !== 1) return WasiErrno.Notsup;
      return mem.setU64(resultPtr, 1n) ? WasiErrno.Success : WasiErrno.Fault;
    },
    random_get(ptr: number, len: number): number {
      if (len >>> 0 > Limits.randomGetMaxBytes) return WasiErrno.Inval;
      if (!mem.ok(ptr, len)) return WasiErrno.Fault;
      randomFillSync(mem.view(ptr, len));
      return WasiErrno.Success;
    },
    proc_exit(): void {
      env.message("wasi_unstable proc_exit");
    },
    poll_oneoff: (_in: number, _out: number, _n: number, neventsPtr: number) =>
      mem.setU32(neventsPtr, 0) ? WasiErrno.Success : WasiErrno.Fault,
    sched_yield: fixed(WasiErrno.Success),
    // The Emscripten runtime shims cpp-host registers in "env".
    emscripten_notify_memory_growth: () => undefined,
    pthread_equal: (a: number, b: number) => (a === b ? 1 : 0),
  };
}
