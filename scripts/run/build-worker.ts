/**
 * One build of `proxy-wasm run --watch`, in a worker thread: the compiler runs for seconds, and the proxy's
 * thread must keep serving meanwhile. Posts the built module's path, or the compiler's message.
 */
import { parentPort, workerData } from "node:worker_threads";
import { buildFilters, type BuildEntry, type BuildTarget } from "../build/compile.ts";

export interface BuildJob {
  root: string;
  entry: BuildEntry;
  target: BuildTarget;
  outDir: string;
}

export type BuildResult = { ok: true; path: string } | { ok: false; message: string };

export async function runBuildWorker(): Promise<void> {
  const job = workerData as BuildJob;
  let result: BuildResult;
  try {
    const [built] = await buildFilters({ root: job.root, entries: [job.entry], targets: [job.target], outDir: job.outDir });
    result = { ok: true, path: built!.path };
  } catch (error) {
    result = { ok: false, message: (error as Error).message };
  }
  parentPort!.postMessage(result);
}
