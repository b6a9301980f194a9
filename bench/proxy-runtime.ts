// add-header against @solo-io/proxy-runtime 0.1.8's README add-header (built with its own AssemblyScript
// 0.14) and the hand-written WAT floor: module size, CPU time per request in the emulator and memory
// after 1,000,000 requests. All three add "hello: world" to each response.
//
// Time per request is CPU time of this process (process.cpuUsage) per request, the median of
// interleaved rounds, so a busy machine moves it less than wall time (also shown).

import { readFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { ProxyWasmHost } from "../scripts/host/index.ts";
import { wat } from "../testkit/wat.ts";
import { buildProxyRuntimeAddHeader, PROXY_RUNTIME_ROOT_ID } from "../testkit/anchors.ts";
import { FLOOR_ADD_HEADER_WAT } from "../testkit/floors.ts";
import type { BenchSection } from "./section.ts";

const OURS = new URL("../build/add-header.wasm", import.meta.url).pathname;
const ROUNDS = 7;
const MEMORY_REQUESTS = 1_000_000;

const REQUEST = { headers: { ":method": "GET", ":path": "/", ":authority": "bench", ":scheme": "http", "user-agent": "bench" } };
const RESPONSE = { headers: { ":status": "200", "content-type": "text/plain" } };

interface Subject {
  name: string;
  wasm: Uint8Array;
  rootId: string;
  config: string;
  perRound: number;
  cpu: number[];
  wall: number[];
  pages?: { after1k: number; after1M: number; cpuUs: number };
}

async function start(s: Subject): Promise<ProxyWasmHost> {
  const host = await ProxyWasmHost.start({ wasm: s.wasm, rootId: s.rootId, pluginConfiguration: s.config });
  if (host.failed) throw new Error(`${s.name}: ${host.failMessage}`);
  const check = host.http().request(REQUEST).response(RESPONSE).complete();
  if (check.responseHeader("hello") !== "world") throw new Error(`${s.name} did not add hello: world`);
  return host;
}

function run(host: ProxyWasmHost, n: number): { cpu: number; wall: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) host.http().request(REQUEST).response(RESPONSE).complete();
  const wall = ((performance.now() - t0) * 1000) / n;
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / n, wall };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (x: number, d = 2) => x.toFixed(d);


export const proxyRuntimeSection: BenchSection = {
  title: "add-header against proxy-runtime 0.1.8",
  async run(): Promise<string> {
    const subjects: Subject[] = [
      { name: "floor (hand-written WAT)", wasm: await wat(FLOOR_ADD_HEADER_WAT), rootId: "", config: "", perRound: 100_000, cpu: [], wall: [] },
      { name: "ours (examples/add-header)", wasm: await readFile(OURS), rootId: "add_header", config: "", perRound: 100_000, cpu: [], wall: [] },
      {
        name: "proxy-runtime 0.1.8 (README add-header)",
        wasm: await readFile(await buildProxyRuntimeAddHeader()),
        rootId: PROXY_RUNTIME_ROOT_ID,
        config: "world",
        perRound: 20_000,
        cpu: [],
        wall: [],
      },
    ];
    const [floor, ours, foreign] = subjects as [Subject, Subject, Subject];

    // Per-request time: one long-lived host each, warmed up, then interleaved rounds.
    const hosts = await Promise.all(subjects.map(start));
    subjects.forEach((s, i) => run(hosts[i]!, s.perRound / 2));
    for (let r = 0; r < ROUNDS; r++) {
      subjects.forEach((s, i) => {
        const { cpu, wall } = run(hosts[i]!, s.perRound);
        s.cpu.push(cpu);
        s.wall.push(wall);
      });
      process.stderr.write(`round ${r + 1}/${ROUNDS}\n`);
    }

    // Memory: a fresh host, pages after 1,000 and after 1,000,000 requests.
    for (const s of [ours, foreign]) {
      const host = await start(s);
      run(host, 999);
      const after1k = host.memoryPages();
      const { cpu } = run(host, MEMORY_REQUESTS - 1000);
      s.pages = { after1k, after1M: host.memoryPages(), cpuUs: cpu };
      process.stderr.write(`${s.name}: ${MEMORY_REQUESTS} requests done\n`);
    }

    const floorCpu = median(floor.cpu);
    const oursCpu = median(ours.cpu);
    const foreignCpu = median(foreign.cpu);
    const rows = subjects.map((s) => {
      const cpu = median(s.cpu);
      const pages = s.pages ? `${s.pages.after1k} → ${s.pages.after1M}` : "n/a";
      return `| ${s.name} | ${s.wasm.length.toLocaleString("en-US")} | ${fmt(cpu)} | ${fmt(median(s.wall))} | ${fmt(cpu / floorCpu)}× | ${pages} |`;
    });
    const vsFloor = oursCpu / floorCpu;
    const vsForeign = foreignCpu / oursCpu;
    const flat = ours.pages!.after1k === ours.pages!.after1M;
    const table = [
      "| module | size (bytes) | CPU µs/request | wall µs/request | vs floor | memory pages after 1k → 1M requests |",
      "|---|---:|---:|---:|---:|---|",
      ...rows,
      "",
      `- ours vs floor: ${fmt(vsFloor)}× (goal ≤ 2×) ${vsFloor <= 2 ? "✓" : "✗"}`,
      `- proxy-runtime vs ours: ${fmt(vsForeign)}× slower (goal ≥ 5×) ${vsForeign >= 5 ? "✓" : "✗"}`,
      `- ours memory after 1,000,000 requests: ${flat ? "flat" : "GREW"} (${ours.pages!.after1k} → ${ours.pages!.after1M} pages) ${flat ? "✓" : "✗"}`,
      `- proxy-runtime memory: ${foreign.pages!.after1k} → ${foreign.pages!.after1M} pages`,
    ].join("\n");
    const env = `Node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? "cpu"}, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}; median of ${ROUNDS} interleaved rounds (${floor.perRound.toLocaleString("en-US")} requests per round; ${foreign.perRound.toLocaleString("en-US")} for proxy-runtime); each request = request headers → response headers → on_log/on_done/on_delete.`;
    return `${table}\n\n${env}`;
  },
};
