// Timing helpers of the bench: CPU time per stream in the emulator (V8), and the real host (pwhost:
// proxy-wasm-cpp-host on the WAMR interpreter) when PWHOST points at it. Every measurement interleaves
// the modules it compares and keeps each one's best round: other processes only ever add time.

import { spawnSync } from "node:child_process";
import type { ProxyWasmHost } from "../scripts/host/index.ts";

/** One module driven one stream at a time in the emulator. */
export interface EmulatorSubject {
  host: ProxyWasmHost;
  /** Runs one whole stream through the host. */
  stream(): void;
}

/** CPU µs per stream of each subject: the best of `rounds` interleaved rounds of `streams` streams (after a warm-up). */
export function emulatorMicros(subjects: EmulatorSubject[], streams: number, rounds: number): number[] {
  const best = subjects.map(() => Infinity);
  subjects.forEach((s) => cpuMicros(s, Math.max(1, streams >> 1)));
  for (let r = 0; r < rounds; r++) subjects.forEach((s, i) => (best[i] = Math.min(best[i]!, cpuMicros(s, streams))));
  return best;
}

function cpuMicros(subject: EmulatorSubject, streams: number): number {
  const start = process.cpuUsage();
  for (let i = 0; i < streams; i++) subject.stream();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / streams;
}

/** The real host's driver, when the environment names it (the bench skips its rows otherwise). */
export const PWHOST: string | null = process.env.PWHOST || null;

/** A module as pwhost runs it: the .wasm file and the driver's options (root id, headers, body file, ...). */
export interface PwhostSubject {
  wasm: string;
  args: string[];
}

interface PwhostLine {
  type: string;
  [key: string]: unknown;
}

function pwhost(subject: PwhostSubject, extra: string[]): PwhostLine[] {
  const result = spawnSync(PWHOST!, ["-q", ...subject.args, ...extra, subject.wasm], { encoding: "utf8", timeout: 600_000, maxBuffer: 64 << 20 });
  if (result.error) throw result.error;
  const lines = result.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as PwhostLine);
  const failure = lines.find((l) => l.type === "vm_error" || l.type === "wasm_error" || (l.type === "end" && l.vm_failed));
  if (result.status !== 0 || failure) throw new Error(`pwhost ${subject.wasm} failed (exit ${result.status}): ${JSON.stringify(failure ?? result.stderr.slice(0, 500))}`);
  return lines;
}

/** Wall µs per stream in pwhost (`--bench`), best of `rounds` interleaved runs of `streams` streams. */
export function pwhostMicros(subjects: PwhostSubject[], streams: number, rounds: number): number[] {
  const best = subjects.map(() => Infinity);
  for (let r = 0; r < rounds; r++) {
    subjects.forEach((s, i) => {
      const bench = pwhost(s, ["--bench", String(streams)]).find((l) => l.type === "bench");
      if (!bench || bench.vm_failed) throw new Error(`pwhost ${s.wasm}: no bench line`);
      best[i] = Math.min(best[i]!, Number(bench.us_per_stream));
    });
  }
  return best;
}

/** pwhost's start-up time in ms (load, start, configure; one VM), best of `rounds` interleaved runs. */
export function pwhostStartupMillis(subjects: PwhostSubject[], rounds: number): number[] {
  const best = subjects.map(() => Infinity);
  for (let r = 0; r < rounds; r++) {
    subjects.forEach((s, i) => {
      const start = pwhost(s, ["--single-vm", "-n", "0"]).find((l) => l.type === "start");
      if (!start?.ok) throw new Error(`pwhost ${s.wasm}: did not start`);
      best[i] = Math.min(best[i]!, Number(start.startup_ms));
    });
  }
  return best;
}

/**
 * A pwhost that valgrind can run (WAMR built with -DWAMR_DISABLE_WRITE_GS_BASE=1: valgrind does not
 * know the wrgsbase instruction), for instruction counts: repeatable where wall time is not.
 */
export const PWHOST_CALLGRIND: string | null = process.env.PWHOST_CALLGRIND || null;

/** x86 instructions of one whole pwhost run under callgrind (the host process, start to exit). */
function pwhostCollected(subject: PwhostSubject, extra: string[]): number {
  const args = ["--tool=callgrind", "--callgrind-out-file=/dev/null", "--main-stacksize=67108864", "--max-stackframe=67108864"];
  const result = spawnSync("valgrind", [...args, PWHOST_CALLGRIND!, "-q", ...subject.args, ...extra, subject.wasm], {
    encoding: "utf8",
    timeout: 1_800_000,
    maxBuffer: 64 << 20,
  });
  const match = /Collected : (\d+)/.exec(result.stderr);
  if (result.status !== 0 || !match) throw new Error(`callgrind on ${subject.wasm} failed: ${result.stderr.slice(-500)}`);
  return Number(match[1]);
}

/** Instructions per stream in pwhost under callgrind: the difference between `streams` and twice as many. */
export function pwhostInstructions(subject: PwhostSubject, streams: number): number {
  const collected = (n: number) => pwhostCollected(subject, ["--bench", String(n)]);
  return (collected(2 * streams) - collected(streams)) / streams;
}

/** Instructions of pwhost's start-up (load, start, configure; one VM) under callgrind, for each subject. */
export function pwhostStartupInstructions(subjects: PwhostSubject[]): number[] {
  return subjects.map((subject) => pwhostCollected(subject, ["--single-vm", "-n", "0"]));
}
