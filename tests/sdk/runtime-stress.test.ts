// A randomized stress test of the runtime `proxy-wasm build` compiles filters with (assembly/runtime.ts),
// through the real module in V8: tests/sdk/filters/runtime-stress.ts keeps random objects of every kind
// reachable from globals, a static array and pinned objects, drops the rest, grows and shrinks objects
// and raw blocks, and holds blocks the host allocated through malloc, while the SDK collects after
// callbacks. Every round checks the content of everything kept and that no two live blocks overlap; at
// the end everything is dropped and each object of the filter's must have been freed exactly once.
// The same filter built with AssemblyScript's own `minimal` runtime is the control, and the SDK's runtime
// is also checked under AssemblyScript 0.28.
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ProxyWasmHost } from "../../scripts/host/index.ts";
import { assertLibraryFilesUntouched, buildTestFilter, usesTlsf } from "./build-test-filter.ts";

const root = new URL("../..", import.meta.url).pathname;
const source = readFileSync(join(root, "tests", "sdk", "filters", "runtime-stress.ts"), "utf8");

const SEEDS = [1, 0x2545f491, 0xdeadbeef, 77];
const ROUNDS = 200;

/** The filter's byteAt(seed, index), for the host's "blob" foreign function. */
function blob(args: Buffer): Uint8Array {
  const seed = args.readUInt32LE(0);
  const size = args.readUInt32LE(4);
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = ((Math.imul(seed, 31) + Math.imul(i, 7) + Math.imul(i >>> 8, 13)) ^ (seed >>> 8)) & 0xff;
  return bytes;
}

interface Report {
  round: number;
  broken: number;
  overlaps: number;
  misfits: number;
  twice: number;
  created: number;
  finalized: number;
  collections: number;
  kept: number;
  heap: number;
  heapAtStart: number;
}

function reports(host: ProxyWasmHost): Report[] {
  return host
    .logs("info")
    .filter((line) => line.startsWith("round="))
    .map((line) => Object.fromEntries(line.split(" ").map((pair) => pair.split("=")).map(([k, v]) => [k, Number(v)])) as unknown as Report);
}

interface Run {
  rounds: Report[];
  /** The round after everything was dropped and collected. */
  drained: Report;
  pages: number;
}

async function stress(wasm: string, seed: number): Promise<Run> {
  const host = await ProxyWasmHost.start({ wasm, rootId: "runtime_stress", pluginConfiguration: String(seed) });
  assert.equal(host.failed, false, host.failMessage);
  host.registerForeignFunction("blob", blob);
  for (let i = 0; i < ROUNDS; i++) host.http().request().response().complete();
  host.http().request({ headers: { "x-drain": "1" } }).response().complete();
  host.http().request({ headers: { "x-collect": "1" } }).response().complete();
  host.http().request({ headers: { "x-collect": "1" } }).response().complete();
  assert.equal(host.failed, false, host.failMessage);
  const all = reports(host);
  assert.equal(all.length, ROUNDS + 3);
  return { rounds: all.slice(0, ROUNDS), drained: all.at(-1)!, pages: host.memoryPages() };
}

function assertSound(run: Run, label: string): void {
  for (const round of [...run.rounds, run.drained]) {
    const where = `${label}, round ${round.round}`;
    assert.equal(round.broken, 0, `${where}: kept objects or blocks changed`);
    assert.equal(round.overlaps, 0, `${where}: live blocks overlap`);
    assert.equal(round.misfits, 0, `${where}: an object is larger than its block, or a block is not 16-byte aligned`);
    assert.equal(round.twice, 0, `${where}: an object was freed twice`);
  }
  const last = run.rounds.at(-1)!;
  assert.ok(last.finalized < last.created, `${label}: kept objects were freed`);
  assert.ok(last.collections >= 10, `${label}: only ${last.collections} collections in ${ROUNDS} rounds`);
  // Everything dropped and collected: every object the filter made was freed, once.
  assert.equal(run.drained.finalized, run.drained.created, `${label}: objects made and objects freed`);
}

describe("the SDK's runtime under random allocation, collection and host blocks", () => {
  const builds: Record<string, string> = {};
  before(async () => {
    builds.sdk = await buildTestFilter("runtime-stress", source);
    builds.assemblyscript = await buildTestFilter("runtime-stress-control", source, { runtime: "assemblyscript" });
    builds.sdk028 = await buildTestFilter("runtime-stress-028", source, { compiler: join(root, "node_modules", "assemblyscript-0.28") });
  });

  test("the SDK's runtime keeps what is reachable intact and frees everything else exactly once", async () => {
    for (const seed of SEEDS) {
      const run = await stress(builds.sdk!, seed);
      assertSound(run, `seed ${seed}`);
      // What the heap holds after everything was dropped is about what it held before the first round
      // (plus the SDK's scratch and log-line blocks, grown meanwhile).
      assert.ok(run.drained.heap <= run.drained.heapAtStart + 8192, `seed ${seed}: ${run.drained.heap} bytes in use after draining, ${run.drained.heapAtStart} before`);
      assert.ok(run.pages <= 160, `seed ${seed}: ${run.pages} pages`);
    }
  });

  test("the same filter on AssemblyScript's minimal runtime (the control) passes the same checks", async () => {
    for (const seed of SEEDS) assertSound(await stress(builds.assemblyscript!, seed), `control, seed ${seed}`);
  });

  test("the SDK's runtime compiled by AssemblyScript 0.28 passes them too", async () => {
    assertSound(await stress(builds.sdk028!, SEEDS[0]!), "0.28");
  });

  test("each build got the runtime it asked for, and both compilers have their own files back", async () => {
    assert.equal(usesTlsf(builds.sdk!), false);
    assert.equal(usesTlsf(builds.sdk028!), false);
    assert.equal(usesTlsf(builds.assemblyscript!), true);
    await assertLibraryFilesUntouched("assemblyscript");
    await assertLibraryFilesUntouched("assemblyscript-0.28");
  });
});
