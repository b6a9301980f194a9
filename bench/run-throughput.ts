// npm run bench:run: body throughput of `proxy-wasm run` (MB/s): a node:http upstream on 127.0.0.1 serves
// a response body, a client reads it through the proxy running add-header (streams the body) and
// body-rewrite (buffers the whole body, rewrites it, sends it on), beside the same upstream read directly
// (the ceiling of this machine). Median of interleaved rounds. Prints a Markdown table and writes
// bench/RUN-THROUGHPUT.md (--no-write to skip).
//
//   npm run bench:run -- --mb 64 --rounds 5

import { writeFile } from "node:fs/promises";
import { request } from "node:http";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { startProxy, type RunningProxy } from "../scripts/run/proxy.ts";
import { MiB, rewrittenSize, startColourUpstream } from "../testkit/colour-upstream.ts";

const { values } = parseArgs({
  options: { mb: { type: "string", default: "64" }, rounds: { type: "string", default: "5" }, "no-write": { type: "boolean", default: false } },
});
const MB = Number(values.mb);
const ROUNDS = Number(values.rounds);
const RESULTS = new URL("./RUN-THROUGHPUT.md", import.meta.url).pathname;
const build = (name: string) => new URL(`../build/${name}.wasm`, import.meta.url).pathname;

/** Wall seconds and CPU seconds (of this whole process: client, proxy, its worker, upstream) to read the whole response from `url`; checks the size. */
function fetchSeconds(url: string, expected: number): Promise<{ wall: number; cpu: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const cpu = process.cpuUsage();
    request(url, { agent: false }, (res) => {
      let bytes = 0;
      res.on("data", (c: Buffer) => (bytes += c.length));
      res.on("end", () => {
        if (res.statusCode !== 200 || bytes !== expected) reject(new Error(`${url}: ${res.statusCode}, ${bytes} bytes, expected ${expected}`));
        else {
          const used = process.cpuUsage(cpu);
          resolve({ wall: (performance.now() - started) / 1000, cpu: (used.user + used.system) / 1e6 });
        }
      });
      res.on("error", reject);
    })
      .on("error", reject)
      .end();
  });
}

interface Subject {
  name: string;
  url: string;
  /** Bytes the client receives. */
  expected: number;
  seconds: number[];
  cpu: number[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const server = await startColourUpstream();
  const base = new URL(server.url);
  const path = `/?mib=${MB}`;
  const common = { upstream: base, listen: { host: "127.0.0.1", port: 0 }, report: () => undefined, accessLog: false as const, bufferLimit: 2 * MB * MiB, callbackTimeoutMs: 60_000 };
  const proxies: RunningProxy[] = [
    await startProxy({ ...common, wasm: build("add-header"), rootId: "add_header" }),
    await startProxy({ ...common, wasm: build("body-rewrite"), rootId: "body_rewrite", pluginConfiguration: '{"replacements":[{"from":"colour","to":"color"}]}' }),
  ];
  const total = MB * MiB;
  const subjects: Subject[] = [
    { name: "upstream directly (no proxy)", url: server.url + path, expected: total, seconds: [], cpu: [] },
    { name: "run + add-header (streams the body)", url: proxies[0]!.url + path, expected: total, seconds: [], cpu: [] },
    { name: "run + body-rewrite (buffers, rewrites)", url: proxies[1]!.url + path, expected: rewrittenSize(total), seconds: [], cpu: [] },
  ];
  try {
    for (const s of subjects) await fetchSeconds(s.url, s.expected); // warm up
    for (let round = 0; round < ROUNDS; round++) {
      for (const s of subjects) {
        const { wall, cpu } = await fetchSeconds(s.url, s.expected);
        s.seconds.push(wall);
        s.cpu.push(cpu);
      }
      process.stderr.write(`round ${round + 1}/${ROUNDS}\n`);
    }
  } finally {
    for (const proxy of proxies) await proxy.close();
    await server.close();
  }
  const ceiling = MB / median(subjects[0]!.seconds);
  const rows = subjects.map((s) => {
    const rate = MB / median(s.seconds);
    return `| ${s.name} | ${median(s.seconds).toFixed(2)} | ${rate.toFixed(0)} | ${(rate / ceiling).toFixed(2)}× | ${median(s.cpu).toFixed(2)} |`;
  });
  const table = [`| ${MB} MB response body | seconds | MB/s | vs direct | CPU seconds (all threads) |`, "|---|---:|---:|---:|---:|", ...rows].join("\n");
  const env = `Node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? "cpu"}, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}; median of ${ROUNDS} interleaved rounds; client, proxy and upstream on one machine (127.0.0.1), the filter's VM in the proxy's worker thread.`;
  process.stdout.write(`${table}\n\n${env}\n`);
  if (!values["no-write"]) {
    await writeFile(RESULTS, `# proxy-wasm run: body throughput\n\nProduced by \`npm run bench:run\` (bench/run-throughput.ts) on ${new Date().toISOString().slice(0, 10)}.\n\n${table}\n\n${env}\n`);
  }
}

await main();
