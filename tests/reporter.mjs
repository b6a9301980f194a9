// A compact node:test reporter for `npm test`: one line per test file as it finishes (✔ or ✖ and how long
// it took), then every failure in full (test name path, error, where it was thrown, what the file printed),
// then node:test's own totals (# tests, # pass, # fail, ...). With files running concurrently node:test
// delivers a file's test events late (after the file before it), so failures are printed at the end, when
// all have arrived. TEST_REPORTER=spec (or tap, dot) in tests/run-node-tests.mjs gives node's own reporters.
import { relative } from "node:path";

const cwd = process.cwd();
const MAX_ERROR_LINES = 30;

function seconds(ms) {
  return ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`;
}

function indent(text, prefix) {
  return text
    .split("\n")
    .map((line) => (line.length > 0 ? prefix + line : line))
    .join("\n");
}

/** The error a failing test threw (node:test wraps it): its message and the first frame outside Node. */
function describeError(error) {
  const cause = error?.cause ?? error;
  if (cause === undefined || cause === null) return "(no error)";
  const message = typeof cause === "object" && "message" in cause ? String(cause.message) : String(cause);
  const name = typeof cause === "object" && cause.name && cause.name !== "Error" ? `${cause.name}: ` : "";
  const lines = `${name}${message}`.split("\n");
  const shown = lines.length > MAX_ERROR_LINES ? [...lines.slice(0, MAX_ERROR_LINES), `… ${lines.length - MAX_ERROR_LINES} more lines`] : lines;
  const frame = String(cause.stack ?? "")
    .split("\n")
    .find((line) => /^\s+at /.test(line) && !/node:|node_modules/.test(line));
  return [...shown, ...(frame ? [frame.trim()] : [])].join("\n");
}

export default async function* compactReporter(source) {
  /** Per file: the names of the tests being run (by nesting), its failures, what it printed, whether it failed. */
  const files = new Map();
  const totals = [];
  const state = (file) => {
    if (!files.has(file)) files.set(file, { names: [], failures: [], output: [], failed: false });
    return files.get(file);
  };

  for await (const { type, data } of source) {
    if (type === "test:diagnostic") {
      if (data.nesting === 0 && data.file === undefined) totals.push(`# ${data.message}`);
      continue;
    }
    const file = data?.file ?? "(no file)";
    if (type === "test:stdout" || type === "test:stderr") {
      state(file).output.push(data.message);
      continue;
    }
    const isFileItself = data?.name === data?.file && data?.nesting === 0;
    if (type === "test:start" && !isFileItself) {
      const s = state(file);
      s.names.length = data.nesting;
      s.names.push(data.name);
    } else if (type === "test:fail" && !isFileItself && (data.details?.type !== "suite" || data.details?.error?.failureType !== "subtestsFailed")) {
      // A suite's own failure (a hook that threw) is shown too; "some subtests failed" is not news.
      const s = state(file);
      s.failures.push(`✖ ${[...s.names.slice(0, data.nesting), data.name].join(" › ")}\n${indent(describeError(data.details?.error), "  ")}`);
    } else if (type === "test:complete" && isFileItself) {
      const passed = data.details?.passed !== false;
      state(file).failed = !passed;
      yield `${passed ? "✔" : "✖"} ${relative(cwd, file)}  ${seconds(data.details?.duration_ms ?? 0)}\n`;
    }
  }

  const failed = [...files].filter(([, s]) => s.failed || s.failures.length > 0);
  for (const [file, s] of failed) {
    yield `\n✖ ${relative(cwd, file)}\n`;
    if (s.failures.length === 0) s.failures.push("✖ the file failed (its output says why)");
    for (const failure of s.failures) yield `${indent(failure, "    ")}\n`;
    const output = s.output.join("").trimEnd();
    if (output.length > 0) yield `${indent(`output of the file:\n${output}`, "    ")}\n`;
  }
  yield `\n${totals.join("\n")}\n`;
}
