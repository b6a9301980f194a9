/**
 * The worker threads of `proxy-wasm run` (the filter's VM, the compiler of --watch) and how they start: the
 * CLI bundle starts itself with a role in workerData (bin.ts dispatches on it); from sources (tests, tsx),
 * tsx loads the worker's module and calls its entry function.
 */
import { isMainThread, Worker, workerData } from "node:worker_threads";

export const WorkerRole = { vm: "proxy-wasm-run-vm", build: "proxy-wasm-run-build" } as const;
export type WorkerRole = (typeof WorkerRole)[keyof typeof WorkerRole];

/** The role this thread was started for, or null on the main thread. */
export function workerRole(): WorkerRole | null {
  if (isMainThread) return null;
  const role = (workerData as { role?: unknown } | null)?.role;
  return role === WorkerRole.vm || role === WorkerRole.build ? role : null;
}

/**
 * Starts a worker. `source`: the module (next to this one) that holds `entry`, the function the worker
 * runs, used when running from sources.
 */
export function startWorker(role: WorkerRole, source: string, entry: string, data: object): Worker {
  const here = import.meta.url;
  const workerData = { ...data, role };
  if (!here.endsWith(".ts")) return new Worker(new URL(here), { workerData });
  const module = new URL(source, here).href;
  const tsx = import.meta.resolve("tsx/esm/api");
  const code = `import(${JSON.stringify(tsx)}).then((api) => api.tsImport(${JSON.stringify(module)}, ${JSON.stringify(here)})).then((m) => m.${entry}())`;
  return new Worker(code, { eval: true, workerData });
}
