import { readFileSync } from "node:fs";
import { ProxyWasmHost } from "../scripts/host/index.ts";
import { largeRewriteConfig } from "../bench/floors.ts";
import { PWHOST, pwhostStartupMillis } from "../bench/measure.ts";
const wasmPath = process.argv[2] ?? "build/body-rewrite.wasm";
const wasm = readFileSync(wasmPath);
const tiny = JSON.stringify({ replacements: [{ from: "cat", to: "kitten" }] });
const sizes = [800, 3270];
const members = (c: number) => 1 + 2 * c;
const startMillis = async (config: string) => {
  let best = Infinity;
  for (let r = 0; r < 11; r++) {
    const start = performance.now();
    const host = await ProxyWasmHost.start({ wasm, rootId: "body_rewrite", pluginConfiguration: config, canary: false });
    best = Math.min(best, performance.now() - start);
    if (host.failed) throw new Error(host.failMessage);
  }
  return best;
};
const base = await startMillis(tiny);
const v8 = [];
for (const c of sizes) v8.push((((await startMillis(largeRewriteConfig(c))) - base) * 1000) / members(c));
console.log("V8 µs/member", v8.map((x) => x.toFixed(2)).join(" "));
if (PWHOST) {
  const subject = (config: string) => ({ wasm: wasmPath, args: ["--root-id", "body_rewrite", "--config", config] });
  const [b, ...ms] = pwhostStartupMillis([subject(tiny), ...sizes.map((c) => subject(largeRewriteConfig(c)))], 7);
  console.log("WAMR µs/member", ms.map((m, i) => (((m - b!) * 1000) / members(sizes[i]!)).toFixed(2)).join(" "));
}
