// The SDK against hand-written floors (testkit/floors.ts), path by path: add-header and
// user-agent-logger per stream, a 1 MiB body copied and rewritten (no match; a match every 64 bytes),
// linear memory after 1 MiB bodies, and a 100 KB JSON configuration. In V8 through the emulator, and
// in the real host (proxy-wasm-cpp-host on WAMR, an interpreter) when PWHOST points at its driver.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ProxyWasmHost } from "../scripts/host/index.ts";
import { buildFilters } from "../scripts/build/compile.ts";
import {
  FLOOR_ADD_HEADER_WAT,
  FLOOR_BODY_COPY_WAT,
  FLOOR_BODY_REWRITE_FROM,
  FLOOR_BODY_REWRITE_TO,
  FLOOR_BODY_REWRITE_WAT,
  FLOOR_USER_AGENT_WAT,
} from "../testkit/floors.ts";
import { wat } from "../testkit/wat.ts";
import {
  emulatorMicros,
  PWHOST,
  PWHOST_CALLGRIND,
  pwhostInstructions,
  pwhostMicros,
  pwhostStartupInstructions,
  pwhostStartupMillis,
  type EmulatorSubject,
  type PwhostSubject,
} from "./measure.ts";
import type { BenchSection } from "./section.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const OUT = join(ROOT, "build", "bench");
const BODY_BYTES = 1 << 20;
const REWRITE_CONFIG = JSON.stringify({ replacements: [{ from: FLOOR_BODY_REWRITE_FROM, to: FLOOR_BODY_REWRITE_TO }] });

/** 1 MiB of English text without the pattern, or with it every 64 bytes. */
function body(matchEvery64: boolean): Buffer {
  const text = Buffer.alloc(BODY_BYTES, "The quick brown fox jumps over the lazy dog. ");
  if (matchEvery64) for (let i = 0; i + FLOOR_BODY_REWRITE_FROM.length <= text.length; i += 64) text.write(FLOOR_BODY_REWRITE_FROM, i, "latin1");
  return text;
}

/** A body-rewrite configuration of `count` replacements (two members each, plus the array's). */
export function largeRewriteConfig(count: number): string {
  const replacements = [];
  for (let i = 0; i < count; i++) replacements.push({ from: `word${String(i).padStart(5, "0")}x`, to: `w${i}` });
  return JSON.stringify({ replacements });
}

interface Module {
  /** Path of the .wasm file. */
  wasm: string;
  rootId: string;
  config: string;
}

const REQUEST = { headers: { ":method": "GET", ":path": "/", ":authority": "bench", ":scheme": "http", "user-agent": "bench/1.0" } };
const RESPONSE_HEADERS = { ":status": "200", "content-type": "text/plain" };

/** One job measured for ours and the floor: what a stream carries and what both must produce. */
interface Job {
  path: string;
  ours: Module;
  floor: Module;
  /** The response body (one chunk), if any. */
  body?: Buffer;
  /** Streams per round in the emulator and in pwhost, and for instruction counts. */
  streams: { v8: number; wamr: number; counted: number };
  goal: { v8?: number; wamr?: number };
}

function emulatorSubject(host: ProxyWasmHost, job: Job): EmulatorSubject {
  const response = job.body ? { headers: RESPONSE_HEADERS, body: job.body } : { headers: RESPONSE_HEADERS };
  return { host, stream: () => void host.http().request(REQUEST).response(response).complete() };
}

async function startHost(module: Module): Promise<ProxyWasmHost> {
  const host = await ProxyWasmHost.start({ wasm: readFileSync(module.wasm), rootId: module.rootId, pluginConfiguration: module.config });
  if (host.failed) throw new Error(`${module.wasm}: ${host.failMessage}`);
  return host;
}

function pwhostSubject(module: Module, bodyFile: string | null): PwhostSubject {
  const args = ["--root-id", module.rootId, "--config", module.config, "-H", ":method: GET", "-H", ":path: /", "-H", "user-agent: bench/1.0"];
  args.push("-R", ":status: 200", "-R", "content-type: text/plain");
  if (bodyFile !== null) args.push("--resp-body-file", bodyFile);
  return { wasm: module.wasm, args };
}

const ratio = (x: number) => `${x.toFixed(2)}×`;
const micros = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} ms` : `${x.toFixed(2)} µs`);
const verdict = (value: number, goal: number | undefined) => (goal === undefined ? "" : ` (goal ≤ ${goal}×) ${value <= goal ? "✓" : "✗"}`);

async function floorModule(name: string, source: string): Promise<Module> {
  const wasm = join(OUT, `floor-${name}.wasm`);
  writeFileSync(wasm, await wat(source));
  return { wasm, rootId: "", config: "" };
}

async function sdkBenchFilter(name: string): Promise<string> {
  const [built] = await buildFilters({ root: ROOT, entries: [{ name, entry: join(ROOT, "bench", "filters", name, "main.ts") }], targets: ["release"], outDir: OUT });
  return built!.path;
}

async function jobs(): Promise<Job[]> {
  const example = (name: string, rootId: string, config = ""): Module => ({ wasm: join(ROOT, "build", `${name}.wasm`), rootId, config });
  const rewrite = example("body-rewrite", "body_rewrite", REWRITE_CONFIG);
  const rewriteFloor = await floorModule("body-rewrite", FLOOR_BODY_REWRITE_WAT);
  return [
    {
      path: "add-header, per stream",
      ours: example("add-header", "add_header"),
      floor: await floorModule("add-header", FLOOR_ADD_HEADER_WAT),
      streams: { v8: 100_000, wamr: 100_000, counted: 2000 },
      goal: { v8: 1.3, wamr: 2.5 },
    },
    {
      path: "user-agent-logger (one header read + one log line), per stream",
      ours: example("user-agent-logger", "user_agent_logger"),
      floor: await floorModule("user-agent", FLOOR_USER_AGENT_WAT),
      streams: { v8: 100_000, wamr: 100_000, counted: 2000 },
      goal: { wamr: 2.5 },
    },
    {
      path: "body copy (read 1 MiB, write it back)",
      ours: { wasm: await sdkBenchFilter("body-copy"), rootId: "body_copy", config: "" },
      floor: await floorModule("body-copy", FLOOR_BODY_COPY_WAT),
      body: body(false),
      streams: { v8: 200, wamr: 100, counted: 4 },
      goal: {},
    },
    {
      path: "body-rewrite 1 MiB, no match",
      ours: rewrite,
      floor: rewriteFloor,
      body: body(false),
      streams: { v8: 100, wamr: 10, counted: 2 },
      goal: { v8: 1.2, wamr: 2.0 },
    },
    {
      path: "body-rewrite 1 MiB, a match every 64 bytes",
      ours: rewrite,
      floor: rewriteFloor,
      body: body(true),
      streams: { v8: 100, wamr: 10, counted: 2 },
      goal: { v8: 1.2, wamr: 2.0 },
    },
  ];
}

/** Checks that ours and the floor produce the same response (the bench compares equal work). */
function sameWork(job: Job, ours: ProxyWasmHost, floor: ProxyWasmHost): void {
  const response = job.body ? { headers: RESPONSE_HEADERS, body: job.body } : { headers: RESPONSE_HEADERS };
  const run = (host: ProxyWasmHost) => {
    host.clearLogs();
    const s = host.http().request(REQUEST).response(response).complete();
    return JSON.stringify({ headers: s.responseHeaders, body: s.responseBody.toString("base64"), logs: host.logs("info") });
  };
  if (run(ours) !== run(floor)) throw new Error(`${job.path}: ours and the floor do not produce the same response`);
}

async function timingRows(): Promise<string[]> {
  mkdirSync(OUT, { recursive: true });
  const rows: string[] = [];
  const noMatchFile = join(OUT, "body-no-match.bin");
  const match64File = join(OUT, "body-match-64.bin");
  writeFileSync(noMatchFile, body(false));
  writeFileSync(match64File, body(true));
  for (const job of await jobs()) {
    const ours = await startHost(job.ours);
    const floor = await startHost(job.floor);
    sameWork(job, ours, floor);
    const [oursV8, floorV8] = emulatorMicros([emulatorSubject(ours, job), emulatorSubject(floor, job)], job.streams.v8, 5);
    rows.push(`| ${job.path} | V8 (emulator) | ${micros(oursV8!)} | ${micros(floorV8!)} | ${ratio(oursV8! / floorV8!)}${verdict(oursV8! / floorV8!, job.goal.v8)} |`);
    process.stderr.write(`${job.path}: V8 done\n`);
    if (PWHOST !== null) {
      const file = job.body === undefined ? null : job.body.equals(body(true)) ? match64File : noMatchFile;
      const [oursWamr, floorWamr] = pwhostMicros([pwhostSubject(job.ours, file), pwhostSubject(job.floor, file)], job.streams.wamr, 5);
      rows.push(`| ${job.path} | WAMR (pwhost) | ${micros(oursWamr!)} | ${micros(floorWamr!)} | ${ratio(oursWamr! / floorWamr!)}${verdict(oursWamr! / floorWamr!, job.goal.wamr)} |`);
      process.stderr.write(`${job.path}: WAMR done\n`);
    }
    if (PWHOST_CALLGRIND !== null) {
      const file = job.body === undefined ? null : job.body.equals(body(true)) ? match64File : noMatchFile;
      const ours = pwhostInstructions(pwhostSubject(job.ours, file), job.streams.counted);
      const floor = pwhostInstructions(pwhostSubject(job.floor, file), job.streams.counted);
      const count = (n: number) => Math.round(n).toLocaleString("en-US");
      rows.push(`| ${job.path} | WAMR instructions (callgrind) | ${count(ours)} | ${count(floor)} | ${ratio(ours / floor)} |`);
      process.stderr.write(`${job.path}: instructions counted\n`);
    }
  }
  return rows;
}

/** Linear memory of body-rewrite after 1 MiB bodies: after 20 streams and after 200 more. */
async function memoryRows(): Promise<string[]> {
  const rows: string[] = [];
  for (const matches of [false, true]) {
    const host = await startHost({ wasm: join(ROOT, "build", "body-rewrite.wasm"), rootId: "body_rewrite", config: REWRITE_CONFIG });
    const response = { headers: RESPONSE_HEADERS, body: body(matches) };
    const run = (n: number) => {
      for (let i = 0; i < n; i++) host.http().request(REQUEST).response(response).complete();
    };
    run(20);
    const early = host.memoryPages();
    run(200);
    const late = host.memoryPages();
    const mib = (pages: number) => (pages / 16).toFixed(1);
    const ok = late === early && late <= 8 * 16;
    rows.push(
      `| linear memory after 1 MiB bodies (body-rewrite), ${matches ? "a match every 64 bytes" : "no match"} | V8 (emulator) | ${mib(early)} MiB after 20 streams, ${mib(late)} MiB after 220 | — | goal ≤ 8 MiB and flat ${ok ? "✓" : "✗"} |`,
    );
  }
  return rows;
}

/**
 * body-rewrite's onConfigure with a 27 KB and a 113 KB configuration: start-up over a tiny configuration's,
 * per JSON member. The three start in turn, round after round, so that load on the machine hits them alike.
 */
async function configurationRows(): Promise<string[]> {
  const wasm = readFileSync(join(ROOT, "build", "body-rewrite.wasm"));
  const sizes = [800, 3270];
  const configurations = [REWRITE_CONFIG, ...sizes.map((count) => largeRewriteConfig(count))];
  const members = (count: number) => 1 + 2 * count;
  /** Per member of each large configuration, from the tiny one's figure and theirs. */
  const perMember = ([tiny, ...large]: number[], scale: number) => large.map((value, i) => ((value - tiny!) * scale) / members(sizes[i]!));
  const kb = (count: number) => (largeRewriteConfig(count).length / 1000).toFixed(0);
  const path = `${kb(sizes[1]!)} KB JSON configuration, ${members(sizes[1]!).toLocaleString("en-US")} members (body-rewrite onConfigure)`;
  const line = (engine: string, values: number[]) => {
    const [small, large] = values as [number, number];
    const ok = large <= 0.5 && large <= small * 1.5;
    return `| ${path} | ${engine} | ${large.toFixed(2)} µs a member (${small.toFixed(2)} at ${kb(sizes[0]!)} KB) | — | goal linear and ≤ 0.5 µs ${ok ? "✓" : "✗"} |`;
  };

  const best = configurations.map(() => Infinity);
  for (let round = 0; round < 21; round++) {
    for (const [i, pluginConfiguration] of configurations.entries()) {
      const start = performance.now();
      // No canary VM: one onConfigure per start, as pwhost --single-vm below.
      const host = await ProxyWasmHost.start({ wasm, rootId: "body_rewrite", pluginConfiguration, canary: false });
      best[i] = Math.min(best[i]!, performance.now() - start);
      if (host.failed) throw new Error(host.failMessage);
    }
  }
  const rows = [line("V8 (emulator)", perMember(best, 1000))];
  if (PWHOST !== null) {
    const subjects = configurations.map((config): PwhostSubject => ({ wasm: join(ROOT, "build", "body-rewrite.wasm"), args: ["--root-id", "body_rewrite", "--config", config] }));
    rows.push(line("WAMR (pwhost)", perMember(pwhostStartupMillis(subjects, 11), 1000)));
    if (PWHOST_CALLGRIND !== null) {
      const [small, large] = perMember(pwhostStartupInstructions(subjects), 1).map((n) => Math.round(n).toLocaleString("en-US"));
      rows.push(`| ${path} | WAMR instructions (callgrind) | ${large} a member (${small} at ${kb(sizes[0]!)} KB) | — | |`);
    }
  }
  return rows;
}

export const floorsSection: BenchSection = {
  title: "The SDK against hand-written floors",
  async run(): Promise<string> {
    const rows = [...(await timingRows()), ...(await memoryRows()), ...(await configurationRows())];
    const wamr = PWHOST !== null ? `WAMR rows: pwhost (${PWHOST}), wall time per stream, best of 5 interleaved runs.` : "WAMR rows skipped: set PWHOST to a built pwhost (proxy-wasm-cpp-host on WAMR) to measure them.";
    const counted =
      PWHOST_CALLGRIND !== null
        ? " Instruction rows: x86 instructions per stream of the whole host process under valgrind --tool=callgrind (PWHOST_CALLGRIND), repeatable on a busy machine."
        : " Set PWHOST_CALLGRIND to a pwhost built with WAMR's -DWAMR_DISABLE_WRITE_GS_BASE=1 (valgrind cannot run wrgsbase) to add instruction counts.";
    return [
      "Each row runs the same job through our module and a hand-written WAT floor (testkit/floors.ts) that does it with the least work; both must produce the same response. body-rewrite replaces `" +
        `${FLOOR_BODY_REWRITE_FROM}` + "` with `" + `${FLOOR_BODY_REWRITE_TO}` + "` in 1 MiB of English text.",
      "",
      "| path | engine | ours | floor | ours / floor |",
      "|---|---|---:|---:|---|",
      ...rows,
      "",
      `V8 rows: CPU time per stream in the emulator, best of 5 interleaved rounds. ${wamr}${counted} JSON rows: start-up with the configuration over start-up with a one-replacement one, per member; wall time best of 21 (V8) and 11 (WAMR) interleaved rounds.`,
    ].join("\n");
  },
};
