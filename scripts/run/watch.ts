/**
 * `proxy-wasm run --watch`: when the filter's sources change (its folder, the files it imports from
 * elsewhere, its asconfig.json files, the SDK's sources when they are a checkout:
 * scripts/build/build-inputs.ts, looked up again after each build), rebuild it (in a worker thread: the proxy
 * keeps serving) and swap the VM the way Envoy applies a new configuration: new requests get the new VM,
 * requests in flight finish on the old one. A build that fails, or a module that does not start, leaves the
 * old VM serving and says why. Without sources (a .wasm built some other way), the module file itself is
 * watched and reloaded when it changes.
 */
import { watch, type FSWatcher } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, relative } from "node:path";
import { buildInputs, type BuildInputs } from "../build/build-inputs.ts";
import type { BuildEntry, BuildTarget } from "../build/compile.ts";
import { sourceMapText } from "../host/source-map.ts";
import type { BuildJob, BuildResult } from "./build-worker.ts";
import type { RunningProxy } from "./proxy.ts";
import { startWorker, WorkerRole } from "./worker-thread.ts";

export interface WatchOptions {
  /** Where to rebuild from; null: watch `wasmPath` only. */
  build: { root: string; entry: BuildEntry; target: BuildTarget; outDir: string } | null;
  /** The module the proxy runs. */
  wasmPath: string;
  proxy: RunningProxy;
  report(line: string): void;
  /** Quiet time after the last change before building (ms). */
  settleMs?: number;
}

/** A build that takes longer than this is given up. */
const BUILD_TIMEOUT_MS = 5 * 60_000;

export interface Watcher {
  /** What is watched now. */
  readonly watching: BuildInputs;
  /** Stops watching; waits for a build under way to end. */
  close(): Promise<void>;
}

export function watchFilter(options: WatchOptions): Watcher {
  const { proxy, report } = options;
  const name = options.build?.entry.name ?? basename(options.wasmPath);
  const settleMs = options.settleMs ?? 200;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  let closed = false;

  const cycle = async (): Promise<void> => {
    do {
      again = false;
      let path = options.wasmPath;
      if (options.build !== null) {
        report(`[watch] ${name}: sources changed, rebuilding`);
        const result = await compile({ ...options.build });
        if (closed) return;
        watchInputs(); // an edit may have added or dropped an import, built or not
        if (!result.ok) {
          report(`[watch] ${name}: the build failed; VM ${proxy.vm.number} keeps serving:`);
          for (const line of result.message.split("\n")) report(`[watch]   ${line}`);
          continue;
        }
        path = result.path;
      }
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await readFile(path));
      } catch (error) {
        report(`[watch] ${name}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
        continue;
      }
      const previous = proxy.vm.number;
      const failure = await proxy.reload(bytes, sourceMapText(bytes, path));
      if (closed) return;
      if (failure !== null) report(`[watch] ${name}: the new module did not start (${failure}); VM ${previous} keeps serving`);
      else report(`[watch] ${name}: reloaded (${bytes.length} bytes): new requests go to VM ${proxy.vm.number}, requests in flight finish on VM ${previous}`);
    } while (again && !closed);
  };

  const changed = () => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      if (running) {
        again = true;
        return;
      }
      running = cycle().finally(() => (running = null));
    }, settleMs);
  };

  let inputs: BuildInputs = { folders: [], files: [] };
  let watchers: FSWatcher[] = [];
  /** (Re)starts the watchers on what the build reads now, if that changed. */
  const watchInputs = () => {
    let next: BuildInputs;
    try {
      next = options.build !== null ? buildInputs(options.build.root, options.build.entry) : { folders: [], files: [options.wasmPath] };
    } catch (error) {
      report(`[watch] ${name}: cannot list the sources (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); still watching the previous ones`);
      return;
    }
    if (JSON.stringify(next) === JSON.stringify(inputs)) return;
    const added = next.files.filter((file) => !inputs.files.includes(file));
    if (watchers.length > 0 && added.length > 0) report(`[watch] ${name}: now also watching ${added.map((file) => relative(process.cwd(), file)).join(", ")}`);
    for (const watcher of watchers) watcher.close();
    inputs = next;
    watchers = next.folders.map((folder) => watch(folder, { recursive: true }, changed));
    // A file is watched through its folder: an editor that saves by renaming replaces the file watched.
    const namesByFolder = new Map<string, Set<string>>();
    for (const file of next.files) namesByFolder.set(dirname(file), (namesByFolder.get(dirname(file)) ?? new Set()).add(basename(file)));
    for (const [folder, names] of namesByFolder) {
      watchers.push(
        watch(folder, (_event, changedName) => {
          if (changedName === null || names.has(changedName)) changed();
        }),
      );
    }
    for (const watcher of watchers) watcher.on("error", (error) => report(`[watch] ${name}: watching stopped: ${error.message}`));
  };
  watchInputs();

  return {
    get watching() {
      return inputs;
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
      await running;
    },
  };
}

/** One build in a worker thread. */
function compile(job: BuildJob): Promise<BuildResult> {
  return new Promise((resolve) => {
    const worker = startWorker(WorkerRole.build, "./build-worker.ts", "runBuildWorker", job);
    const timer = setTimeout(() => {
      void worker.terminate();
      resolve({ ok: false, message: `no result after ${BUILD_TIMEOUT_MS / 1000} s` });
    }, BUILD_TIMEOUT_MS);
    const done = (result: BuildResult) => {
      clearTimeout(timer);
      resolve(result);
      void worker.terminate();
    };
    worker.once("message", done);
    worker.once("error", (error) => done({ ok: false, message: error.message }));
    worker.once("exit", () => done({ ok: false, message: "the compiler's thread exited" }));
  });
}
