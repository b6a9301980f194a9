#!/usr/bin/env node
// Entry of the bundled CLI (dist/cli.js); the logic lives in cli.ts so tests can call main(). The same
// file starts the worker threads of `proxy-wasm run` (the filter's VM, the --watch compiler).
import { main, reportFailure } from "./cli.ts";
import { tuneForRegistryCommand } from "./registry-process.ts";
import { runBuildWorker } from "./run/build-worker.ts";
import { runVmWorker } from "./run/vm-worker.ts";
import { workerRole, WorkerRole } from "./run/worker-thread.ts";

const role = workerRole();
if (role === WorkerRole.vm) {
  void runVmWorker();
} else if (role === WorkerRole.build) {
  void runBuildWorker();
} else {
  tuneForRegistryCommand(process.argv.slice(2));
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.exitCode = reportFailure(error);
    },
  );
}
