// Instructions per member of body-rewrite's onConfigure in pwhost under callgrind.
import { spawnSync } from "node:child_process";
import { largeRewriteConfig } from "../bench/floors.ts";
const wasm = process.argv[2] ?? "build/body-rewrite.wasm";
const root = process.argv[3] ?? "body_rewrite";
const PW = "/tmp/perf/realhost/bin/pwhost";
const tiny = JSON.stringify({ replacements: [{ from: "cat", to: "kitten" }] });
const run = (config: string) => {
  const args = ["--tool=callgrind", "--callgrind-out-file=/dev/null", "--main-stacksize=67108864", "--max-stackframe=67108864"];
  const r = spawnSync("valgrind", [...args, PW, "-q", "--single-vm", "-n", "0", "--root-id", root, "--config", config, wasm], { encoding: "utf8", maxBuffer: 64 << 20 });
  const m = /Collected : (\d+)/.exec(r.stderr);
  if (!m) throw new Error(r.stderr.slice(-1000) + r.stdout.slice(-500));
  if (!/"ok":true/.test(r.stdout)) throw new Error("not ok: " + r.stdout.slice(-500));
  return Number(m[1]);
};
const base = run(tiny);
const out = [];
for (const c of [800, 3270]) out.push(((run(largeRewriteConfig(c)) - base) / (1 + 2 * c)).toFixed(0));
console.log("x86 instr/member", out.join(" "));
