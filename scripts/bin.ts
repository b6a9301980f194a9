#!/usr/bin/env node
// Entry of the bundled CLI (dist/cli.js); the logic lives in cli.ts so tests can call main().
import { main, reportFailure } from "./cli.ts";

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.exitCode = reportFailure(error);
  },
);
