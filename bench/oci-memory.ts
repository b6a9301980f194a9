// npm run bench:oci: the CLI's peak RSS and wall time for `push` and `pull` of modules of 1, 50 and
// 200 MB against Debian's docker-registry on 127.0.0.1 (wasme format, no auth). The peak RSS is the
// child process's own (process.resourceUsage().maxRSS at exit, through a preload); a flat column is
// the point: blobs stream from disk to the registry and back, so memory does not grow with the module.
// Options: --sizes 1,50,200 (MB), --format wasme|compat|cncf|oras.

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { finished } from "node:stream/promises";
import { customSectionHead } from "../testkit/custom-section.ts";
import { peakRss } from "../testkit/peak-rss.ts";
import { startRegistry } from "../testkit/registry-harness.ts";
import { wat } from "../testkit/wat.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const MB = 1_000_000;
const MiB = 1024 * 1024;

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] ? process.argv[at + 1]! : fallback;
}

/** A valid Proxy-Wasm module of about `size` bytes: a minimal module plus one custom section, written in 1 MiB chunks. */
async function writeModule(path: string, size: number): Promise<void> {
  const base = await wat('(module (memory (export "memory") 1) (func (export "proxy_abi_version_0_2_1")) (func (export "_start")))');
  const payload = Math.max(0, size - base.byteLength - 16 - "padding".length);
  const out = createWriteStream(path);
  out.write(base);
  out.write(customSectionHead("padding", payload));
  const chunk = Buffer.alloc(MiB);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31) & 0xff;
  for (let left = payload; left > 0; left -= chunk.length) {
    if (!out.write(left >= chunk.length ? chunk : chunk.subarray(0, left))) await new Promise<void>((r) => out.once("drain", () => r()));
  }
  out.end();
  await finished(out);
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

function run(command: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

interface Measured {
  rss: number;
  ms: number;
}

async function measure(cli: string, args: string[], env: Record<string, string>): Promise<Measured> {
  const rss = peakRss();
  try {
    const started = performance.now();
    const result = await run(process.execPath, [cli, ...args], { ...env, ...rss.env() });
    if (result.code !== 0) throw new Error(`${args[0]} failed: ${result.stderr}`);
    return { rss: rss.bytes(), ms: performance.now() - started };
  } finally {
    rss.remove();
  }
}

async function main(): Promise<void> {
  const sizes = option("sizes", "1,50,200").split(",").map((s) => Number(s) * MB);
  const format = option("format", "wasme");
  const work = mkdtempSync(join(tmpdir(), "bench-oci-"));
  const registry = await startRegistry("none");
  try {
    const dir = join(ROOT, ".tmp", `bench-oci-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    const cli = join(dir, "cli.mjs");
    const bundled = await run(process.execPath, [join(ROOT, "scripts", "bundle-cli.mjs"), cli], {});
    if (bundled.code !== 0) throw new Error(`bundling the CLI failed: ${bundled.stderr}`);
    const env = { DOCKER_CONFIG: work };
    const rows: string[] = [];
    const pushRss: number[] = [];
    const pullRss: number[] = [];
    for (const size of sizes) {
      const module = join(work, `m${size}.wasm`);
      await writeModule(module, size);
      const reference = `${registry.host}/bench/m${size}:v1`;
      const push = await measure(cli, ["push", module, reference, "--format", format], env);
      const out = join(work, `pulled-${size}.wasm`);
      const pull = await measure(cli, ["pull", reference, "-o", out], env);
      if ((await sha256File(out)) !== (await sha256File(module))) throw new Error(`the pulled ${size / MB} MB module differs`);
      rmSync(module);
      rmSync(out);
      pushRss.push(push.rss);
      pullRss.push(pull.rss);
      rows.push(
        `| ${size / MB} MB | ${(push.rss / MiB).toFixed(1)} MiB | ${(push.ms / 1000).toFixed(1)} s | ${(pull.rss / MiB).toFixed(1)} MiB | ${(pull.ms / 1000).toFixed(1)} s |`,
      );
    }
    rmSync(dir, { recursive: true, force: true });
    const growth = (xs: number[]) => ((xs.at(-1)! - xs[0]!) / MiB).toFixed(1);
    process.stdout.write(
      [
        `## OCI client memory (format ${format}, docker-registry on 127.0.0.1, Node ${process.versions.node})`,
        "",
        "| module | push peak RSS | push time | pull peak RSS | pull time |",
        "| --- | --- | --- | --- | --- |",
        ...rows,
        "",
        `Peak RSS from the smallest to the largest module: push ${growth(pushRss)} MiB, pull ${growth(pullRss)} MiB.`,
        "",
      ].join("\n"),
    );
  } finally {
    await registry.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:oci failed: ${(error as Error).message}\n`);
  process.exit(1);
});
