#!/usr/bin/env node
// Entry of the bundled CLI (dist/cli.js); the logic lives in cli.ts so tests can call main(). The same
// file is the entry of the worker thread `proxy-wasm run` runs the filter's VM in.
import { main, reportFailure } from "./cli.ts";
import { isVmWorker, runVmWorker } from "./run/vm-worker.ts";

if (isVmWorker()) {
  void runVmWorker();
} else {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      process.exitCode = reportFailure(error);
    },
  );
}
