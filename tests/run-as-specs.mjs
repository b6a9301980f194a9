// Runs the as-pect specs (`npm run test:as`) with as-pect's own output minus its banner: the ASCII logo,
// the "Test suite runner" line and the config and compiler lines it prints before the first spec. What
// follows is passed through unchanged: a line per spec file, every failure in full, the summary.
// Usage: node tests/run-as-specs.mjs [as-pect arguments ...]; the exit code is as-pect's.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const cliDir = fileURLToPath(new URL("../node_modules/@as-pect/cli/", import.meta.url));
const asp = join(cliDir, JSON.parse(readFileSync(join(cliDir, "package.json"), "utf8")).bin.asp);

/** The banner ends with this line; if it does not come within this many lines, nothing is held back. */
const BANNER_END = /^ASC Version: /;
const BANNER_MAX_LINES = 12;

const env = { ...process.env };
if (process.stdout.isTTY && env.FORCE_COLOR === undefined && env.NO_COLOR === undefined) env.FORCE_COLOR = "1";
const child = spawn(process.execPath, [asp, ...process.argv.slice(2)], { stdio: ["inherit", "pipe", "inherit"], env });

let banner = [];
let partial = "";
child.stdout.setEncoding("utf8");
child.stdout.on("data", (text) => {
  const lines = (partial + text).split("\n");
  partial = lines.pop();
  for (const line of lines) {
    if (banner === null) {
      process.stdout.write(`${line}\n`);
    } else if (BANNER_END.test(line)) {
      banner = null;
    } else {
      banner.push(line);
      if (banner.length > BANNER_MAX_LINES) {
        process.stdout.write(`${banner.join("\n")}\n`);
        banner = null;
      }
    }
  }
});
child.stdout.on("end", () => {
  if (banner !== null && banner.length > 0) process.stdout.write(`${banner.join("\n")}\n`);
  // as-pect ends its summary with a line of spaces.
  if (partial.trim().length > 0) process.stdout.write(`${partial}\n`);
});
child.on("exit", (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
