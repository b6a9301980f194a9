// npm run conformance -- --pwhost PATH: runs the conformance probes and every example's main scenario
// (testkit/conformance-scenarios.ts) through the emulator and through pwhost (proxy-wasm-cpp-host, the
// host library inside Envoy, on WAMR) and prints where they differ. Known differences are listed with
// their reason (scripts/host/README.md, "Differences from pwhost"); an unexplained one exits 1. Skipped
// without PWHOST / --pwhost; never part of npm test. Options: --only TEXT (scenario names containing it),
// --show (print both sides of every scenario).

import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { EXAMPLES, PROBES, type Scenario } from "../testkit/conformance-scenarios.ts";
import { ProxyWasmHost } from "./host/index.ts";

const run = promisify(execFile);
const PWHOST_TIMEOUT_MS = 60_000;
const PWHOST_MAX_OUTPUT = 32 << 20;

interface StreamOutcome {
  on_request_headers: string;
  on_request_body?: string;
  request_headers: Array<[string, string]>;
  local_reply?: { code: number; body: string; headers: Array<[string, string]>; grpc_status: number | null; details: string };
  on_response_headers: string;
  on_response_body?: string;
  response_headers: Array<[string, string]>;
  response_body?: string;
}

/** What one side did with a scenario, in the same shape for both. */
interface Outcome {
  started: boolean;
  abi: string | null;
  /** "vm level message" */
  logs: string[];
  /** The host's own error lines (cpp-host's fail messages). */
  errors: string[];
  streams: StreamOutcome[];
  /** "name type value": counters and gauges by value, histograms by their last sample. */
  metrics: string[];
  callouts: string[];
}

const HEADERS_STATUS = ["Continue", "StopIteration", "ContinueAndEndStream", "StopAllIterationAndBuffer", "StopAllIterationAndWatermark"];
const DATA_STATUS = ["Continue", "StopIterationAndBuffer", "StopIterationAndWatermark", "StopIterationNoBuffer"];

/** cpp-host's mapping of a header callback's result (without allow_on_headers_stop_iteration). */
function headersStatus(r: number): string {
  if (r === 1 || r > 4) return "StopAllIterationAndWatermark";
  return HEADERS_STATUS[r]!;
}

function dataStatus(r: number): string {
  return r > 3 ? "StopIterationNoBuffer" : DATA_STATUS[r]!;
}

// ---- The emulator -------------------------------------------------------------------------------------

async function emulate(s: Scenario, wasm: Uint8Array): Promise<Outcome> {
  const exported = new Set(WebAssembly.Module.exports(new WebAssembly.Module(wasm as Uint8Array<ArrayBuffer>)).map((e) => e.name));
  const results: Array<{ name: string; value: number }> = [];
  const trace = (line: string) => {
    const m = /^\[host<-vm\] (proxy_on_\w+) return: (\d+)/.exec(line);
    if (m) results.push({ name: m[1]!, value: Number(m[2]) });
  };
  const host = await ProxyWasmHost.start({
    wasm,
    rootId: s.rootId,
    vmId: s.vmId,
    pluginConfiguration: s.pluginConfiguration,
    vmConfiguration: s.vmConfiguration,
    logLevel: s.logLevel ?? "info",
    properties: s.properties,
    clusters: s.cluster ? [s.cluster.name] : [],
    trace,
  });
  const callouts: string[] = [];
  const answer = () => {
    for (const call of host.pendingHttpCalls()) {
      callouts.push(`${call.cluster} ${call.token}`);
      host.resolveHttpCall(call.token, { status: 200, body: s.cluster?.body ?? "" });
    }
  };
  const outcome: Outcome = { started: !host.failed, abi: host.abiVersion, logs: [], errors: [], streams: [], metrics: [], callouts };
  if (host.failed) return finish(host, outcome);
  for (let t = 0; t < (s.ticks ?? 0); t++) {
    host.tick();
    answer();
  }
  for (let n = 0; n < (s.streams ?? 1); n++) {
    const stream = host.http();
    const last = (name: string): number | undefined => results.filter((r) => r.name === name).at(-1)?.value;
    results.length = 0;
    // What each call returned (null: the callback did not run now), else what the trace saw it return
    // (a local reply runs through the response callbacks).
    const returned: Record<string, number | null> = {};
    returned.proxy_on_request_headers = stream.callOnRequestHeaders(s.request, s.requestBody === undefined);
    answer();
    if (s.requestBody !== undefined) returned.proxy_on_request_body = stream.callOnRequestBody(s.requestBody, true);
    answer();
    returned.proxy_on_response_headers = stream.callOnResponseHeaders(s.response, s.responseBody === undefined);
    answer();
    if (s.responseBody !== undefined) returned.proxy_on_response_body = stream.callOnResponseBody(s.responseBody, true);
    answer();
    stream.complete();
    // A callback the module does not export answers Continue (cpp-host); one that did not run now, "not called".
    const status = (name: string, map: (r: number) => string) => {
      const r = returned[name] ?? last(name);
      if (r === undefined || r === null) return exported.has(name) ? "not called" : map(0);
      return map(r);
    };
    const reply = stream.localResponse;
    outcome.streams.push({
      on_request_headers: status("proxy_on_request_headers", headersStatus),
      ...(s.requestBody !== undefined ? { on_request_body: status("proxy_on_request_body", dataStatus) } : {}),
      request_headers: stream.requestHeaders,
      ...(reply
        ? {
            local_reply: {
              code: reply.statusCode,
              body: reply.body.toString(),
              headers: reply.headers,
              grpc_status: reply.grpcStatus,
              details: reply.details,
            },
          }
        : {}),
      on_response_headers: status("proxy_on_response_headers", headersStatus),
      ...(s.responseBody !== undefined || (reply !== null && reply.body.length > 0)
        ? { on_response_body: status("proxy_on_response_body", dataStatus) }
        : {}),
      response_headers: stream.responseHeaders,
      ...(stream.responseBody.length > 0 ? { response_body: stream.responseBody.toString() } : {}),
    });
  }
  return finish(host, outcome);
}

function finish(host: ProxyWasmHost, outcome: Outcome): Outcome {
  outcome.logs = host.logEntries().map((e) => `${e.vm} ${e.level} ${e.message}`);
  outcome.errors = host.hostMessages();
  const types = { counter: 0, gauge: 1, histogram: 2 } as const;
  outcome.metrics = host
    .metrics()
    .filter((m) => m.kind !== "histogram" || m.samples.length > 0 || m.value !== 0n)
    .map((m) => `${m.name} ${types[m.kind]} ${m.kind === "histogram" ? (m.samples.at(-1) ?? 0n) : m.value}`);
  return outcome;
}

// ---- pwhost ---------------------------------------------------------------------------------------------

async function realHost(pwhost: string, s: Scenario, wasmPath: string): Promise<Outcome> {
  const args = ["-q", "--root-id", s.rootId, "--log-level", s.logLevel ?? "info"];
  if (s.vmId !== undefined) args.push("--vm-id", s.vmId);
  if (s.pluginConfiguration !== undefined) args.push("--config", s.pluginConfiguration);
  if (s.vmConfiguration !== undefined) args.push("--vm-config", s.vmConfiguration);
  for (const [k, v] of s.request) args.push("-H", `${k}: ${v}`);
  for (const [k, v] of s.response) args.push("-R", `${k}: ${v}`);
  if (s.requestBody !== undefined) args.push("--req-body", s.requestBody);
  if (s.responseBody !== undefined) args.push("--resp-body", s.responseBody);
  for (const [k, v] of Object.entries(s.properties ?? {})) args.push("-p", `${k}=${v}`);
  if (s.ticks) args.push("--ticks", String(s.ticks));
  if (s.streams) args.push("-n", String(s.streams));
  if (s.cluster) args.push("--http-call-cluster", s.cluster.name, "--http-call-resp-body", s.cluster.body);
  args.push(wasmPath);
  let stdout: string;
  try {
    ({ stdout } = await run(pwhost, args, { timeout: PWHOST_TIMEOUT_MS, maxBuffer: PWHOST_MAX_OUTPUT, encoding: "utf8" }));
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; killed?: boolean };
    if (typeof e.code !== "number" || e.killed || e.stdout === undefined) throw new Error(`pwhost did not run: ${String(error)}`);
    stdout = e.stdout; // exit 1 (did not start) and 3 (failed while running) still print what happened
  }
  const outcome: Outcome = { started: false, abi: null, logs: [], errors: [], streams: [], metrics: [], callouts: [] };
  for (const line of stdout.split("\n")) {
    if (line.trim() === "") continue;
    let j: Record<string, any>;
    try {
      j = JSON.parse(line);
    } catch {
      continue;
    }
    switch (j.type) {
      case "start":
        outcome.started = j.ok === true;
        outcome.abi = j.abi ?? null;
        break;
      case "log":
        outcome.logs.push(`${j.vm} ${j.level} ${j.message}`);
        break;
      case "vm_error":
      case "wasm_error":
      case "context_error":
        outcome.errors.push(String(j.message));
        break;
      case "http_call":
        if (j.result === "Ok") outcome.callouts.push(`${j.cluster} ${j.token}`);
        break;
      case "metrics":
        for (const m of j.metrics) outcome.metrics.push(`${m.name} ${m.type} ${m.value}`);
        break;
      case "stream":
        outcome.streams.push({
          on_request_headers: j.on_request_headers,
          ...(j.on_request_body !== undefined ? { on_request_body: j.on_request_body } : {}),
          request_headers: j.request_headers,
          ...(j.local_reply ? { local_reply: j.local_reply } : {}),
          on_response_headers: j.on_response_headers,
          ...(j.on_response_body !== undefined ? { on_response_body: j.on_response_body } : {}),
          response_headers: j.response_headers,
          ...(j.response_body ? { response_body: j.response_body } : {}),
        });
        break;
    }
  }
  return outcome;
}

// ---- Comparing --------------------------------------------------------------------------------------------

interface Difference {
  field: string;
  emulator: string;
  pwhost: string;
}

const show = (v: unknown) => (v === undefined ? "(none)" : JSON.stringify(v));

/** A trap as V8 (`Uncaught RuntimeError: x` + the in-VM backtrace) or WAMR (`Exception: x`) words it. */
function engineNeutral(message: string): string {
  return message.replace(/failed: (Uncaught RuntimeError: |Exception: )([^\n]*)[\s\S]*$/, "failed: trap: $2");
}

function compare(a: Outcome, b: Outcome): Difference[] {
  const out: Difference[] = [];
  const same = (field: string, x: unknown, y: unknown) => {
    if (show(x) !== show(y)) out.push({ field, emulator: show(x), pwhost: show(y) });
  };
  same("started", a.started, b.started);
  if (a.started && b.started) same("abi", a.abi, b.abi);
  same("logs", a.logs, b.logs);
  same("errors", a.errors.map(engineNeutral), b.errors.map(engineNeutral));
  same("callouts", a.callouts, b.callouts);
  same("metrics", [...a.metrics].sort(), [...b.metrics].sort());
  const n = Math.max(a.streams.length, b.streams.length);
  for (let i = 0; i < n; i++) {
    const x = a.streams[i] as unknown as Record<string, unknown> | undefined;
    const y = b.streams[i] as unknown as Record<string, unknown> | undefined;
    if (!x || !y) {
      same(`stream ${i + 1}`, x, y);
      continue;
    }
    for (const key of new Set([...Object.keys(x), ...Object.keys(y)])) same(`stream ${i + 1} ${key}`, x[key], y[key]);
  }
  return out;
}

/**
 * Differences with a known reason: where pwhost's model of Envoy is simpler than Envoy (its README lists
 * them) or where cpp-host on WAMR and on V8 differ. Each returns the reason, or null when it does not apply.
 */
const KNOWN: Array<(scenario: string, d: Difference, emulator: Outcome) => string | null> = [
  (_, d) =>
    d.field === "errors" && /Failed to (load|initialize) Wasm/.test(d.emulator) && d.pwhost.includes("Wasm")
      ? "error wording: V8's link and instantiation messages differ from WAMR's"
      : null,
  (_, d) =>
    /local_reply$/.test(d.field) && /"details"/.test(d.pwhost)
      ? "pwhost records local-reply details and a gRPC status of -1 as given; Envoy replaces whitespace with _ and sends no status outside 0..16"
      : null,
  (_, d, emulator) => {
    const stream = /^stream (\d+) /.exec(d.field);
    const held = stream && Object.values(emulator.streams[Number(stream[1]) - 1] ?? {}).includes("not called");
    return held
      ? "flow control: Envoy (and the emulator) hold the stream while the filter stops it; pwhost runs every callback in order"
      : null;
  },
  (s, d) =>
    s.includes("outside its callback") && d.field === "logs"
      ? "Envoy's getBuffer gives an empty wrapper outside the body callbacks (get_buffer_bytes Ok, nothing; status Ok, 0); pwhost has none (NotFound)"
      : null,
  (s) =>
    s.includes("compress-body") ? "Envoy registers the compress foreign function; pwhost has no foreign functions" : null,
  (s, d) =>
    s.includes("grpc-unary") && d.field.startsWith("stream")
      ? "gRPC: pwhost has no gRPC upstream (every call is ParseFailure); the example's gate stays closed only in the emulator"
      : null,
];

function explain(scenario: string, d: Difference, emulator: Outcome): string | null {
  for (const rule of KNOWN) {
    const reason = rule(scenario, d, emulator);
    if (reason !== null) return reason;
  }
  return null;
}

// ---- Main ------------------------------------------------------------------------------------------------

function usage(message: string): never {
  process.stderr.write(`conformance: ${message}\nusage: npm run conformance -- --pwhost PATH [--only TEXT] [--show]\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let pwhost = process.env.PWHOST ?? "";
  let only = "";
  let showAll = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--pwhost") pwhost = argv[++i] ?? usage("--pwhost needs a path");
    else if (a === "--only") only = argv[++i] ?? usage("--only needs a text");
    else if (a === "--show") showAll = true;
    else usage(`unknown argument ${JSON.stringify(a)}`);
  }
  if (pwhost === "") {
    process.stdout.write("conformance: skipped (set PWHOST or pass --pwhost PATH to the real-host driver)\n");
    return;
  }
  if (!existsSync(pwhost)) usage(`no pwhost at ${JSON.stringify(pwhost)}`);
  const missing = EXAMPLES.filter((e) => !existsSync(new URL(`../build/${e.name.slice("example: ".length)}.wasm`, import.meta.url)));
  if (missing.length > 0) usage("the examples are not built: run `npm run asbuild` first");

  const dir = await mkdtemp(join(tmpdir(), "conformance-"));
  let unexplained = 0;
  let explained = 0;
  let sameCount = 0;
  try {
    const scenarios = [...PROBES, ...EXAMPLES].filter((s) => s.name.includes(only));
    for (const [i, s] of scenarios.entries()) {
      const wasm = await s.wasm();
      const path = join(dir, `${i}.wasm`);
      await writeFile(path, wasm);
      const [ours, theirs] = [await emulate(s, wasm), await realHost(pwhost, s, path)];
      const diffs = compare(ours, theirs);
      const open = diffs.filter((d) => explain(s.name, d, ours) === null);
      const mark = diffs.length === 0 ? "✓" : open.length === 0 ? "≈" : "✗";
      process.stdout.write(`${mark} ${s.name}\n`);
      for (const d of diffs) {
        const reason = explain(s.name, d, ours);
        process.stdout.write(`    ${d.field}${reason ? ` (known: ${reason})` : ""}\n      emulator: ${d.emulator}\n      pwhost:   ${d.pwhost}\n`);
      }
      if (showAll) process.stdout.write(`    emulator: ${JSON.stringify(ours)}\n    pwhost:   ${JSON.stringify(theirs)}\n`);
      if (diffs.length === 0) sameCount++;
      else if (open.length === 0) explained++;
      else unexplained++;
    }
    process.stdout.write(`\n${scenarios.length} scenarios: ${sameCount} the same, ${explained} with known differences, ${unexplained} with unexplained ones\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (unexplained > 0) process.exitCode = 1;
}

try {
  await main();
} catch (error) {
  process.stderr.write(`conformance: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
