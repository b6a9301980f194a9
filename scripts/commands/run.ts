/** `proxy-wasm run`: a local HTTP proxy that runs every request and response through a filter in the emulator. */
import { existsSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { EXIT_OK, UsageError } from "../cli-errors.ts";
import { LOG_LEVELS } from "../host/index.ts";
import {
  DEFAULT_LISTEN,
  parseClusters,
  parseByteSize,
  parseDuration,
  parseListen,
  readModule,
  type RunOptions,
} from "../run/options.ts";
import { DEFAULT_BUFFER_LIMIT, DEFAULT_CALLBACK_TIMEOUT_MS, DEFAULT_DRAIN_MS, DEFAULT_ROUTE_TIMEOUT_MS, startProxy } from "../run/proxy.ts";
import { parseUpstreamAddress } from "../upstream-address.ts";
import { sourceMapText } from "../host/source-map.ts";
import type { BuildEntry } from "../build/compile.ts";
import { localFilterEntry, resolveModule, rootIdFor } from "../build/filter-names.ts";
import { watchFilter } from "../run/watch.ts";
import type { Command } from "./command.ts";
import { defineFlags, parseCommandLine, readFlagFile, renderHelp, type OptionsOf } from "./flags.ts";

const flags = defineFlags({
  upstream: {
    type: "string",
    value: "<url>",
    parse: (raw: string, flag: string) => parseUpstreamAddress(flag, raw),
    help: [
      "where requests go: http://127.0.0.1:PORT or 127.0.0.1:PORT (required; https:// works",
      "too). The client's Host is kept, as Envoy does without a host rewrite. Userinfo",
      "(http://user:pass@host) is sent as Basic credentials when a request has none; it is never printed.",
    ],
  },
  listen: {
    type: "string",
    value: "<host:port>",
    default: DEFAULT_LISTEN,
    help: `where the proxy listens (default: ${DEFAULT_LISTEN}; port 0 picks a free one)`,
  },
  allowRemote: { type: "boolean", default: false, help: "allow a --listen address that is not loopback (default: loopback only)" },
  config: {
    type: "string",
    value: "<text>",
    help: `plugin configuration (proxy_on_configure), e.g. '{"name":"x-demo","value":"1"}'`,
  },
  configFile: { type: "string", value: "<file>", help: "plugin configuration read from a file" },
  vmConfig: { type: "string", value: "<text>", default: "", help: "VM configuration (proxy_on_vm_start)" },
  rootId: { type: "string", value: "<id>", help: "root id (default: the filter name with '-' → '_', e.g. add_header)" },
  cluster: {
    type: "string",
    value: "<name=url>",
    multiple: true,
    default: [],
    help: [
      "callouts to cluster <name> go to <url> (repeatable); a callout to a cluster",
      "that is not mapped fails with BadArgument, as in Envoy",
    ],
  },
  failOpen: {
    type: "boolean",
    default: false,
    help: ["after the filter fails (trap), pass requests through without it", "(default: fail closed, a 503 for every request)"],
  },
  logLevel: { type: "string", value: "<level>", choices: LOG_LEVELS, default: "info", help: `${LOG_LEVELS.join(", ")} (default: info)` },
  trace: {
    type: "boolean",
    default: false,
    help: ["print what each request gives the filter and what it lets through (header names and", "values, body sizes, local replies) and each callout"],
  },
  callbackTimeout: {
    type: "string",
    value: "<duration>",
    default: DEFAULT_CALLBACK_TIMEOUT_MS,
    parse: (raw: string, flag: string) => parseDuration(flag, raw),
    help: [
      `a filter callback (or its start) still running after this stops the VM like a trap`,
      `and a fresh VM serves new requests (default: ${DEFAULT_CALLBACK_TIMEOUT_MS / 1000}s; e.g. 500ms, 10s)`,
    ],
  },
  routeTimeout: {
    type: "string",
    value: "<duration>",
    default: DEFAULT_ROUTE_TIMEOUT_MS,
    parse: (raw: string, flag: string) => parseDuration(flag, raw, true),
    help: [
      `Envoy's route timeout: a request sent upstream whole and not answered in time gets`,
      `504 "upstream request timeout" (default: ${DEFAULT_ROUTE_TIMEOUT_MS / 1000}s, as Envoy; 0: none)`,
    ],
  },
  bufferLimit: {
    type: "string",
    value: "<bytes>",
    default: DEFAULT_BUFFER_LIMIT,
    parse: (raw: string, flag: string) => parseByteSize(flag, raw),
    help: [
      "Envoy's buffer limit for a body the filter buffers: more is a 413 for a request,",
      "a 500 for a response (default: 1MiB, Envoy's per-connection limit; e.g. 64KiB, 16MiB)",
    ],
  },
  quiet: { type: "boolean", default: false, help: "no access-log line per request (they go to stdout)" },
  debug: {
    type: "boolean",
    default: false,
    help: [
      "run the debug build (a filter name means build/<name>.debug.wasm): trap reports and the",
      "stack of a stopped VM name TypeScript lines, from its source map (the package's",
      "examples: `proxy-wasm build <name> --debug` builds one into build/ first)",
    ],
  },
  watch: {
    type: "boolean",
    default: false,
    help: [
      "rebuild when the filter's sources change (examples/<name>/ or filters/<name>/,",
      "asconfig.json, the SDK's sources when they are a checkout) and swap the VM as Envoy",
      "applies a new configuration: new requests get the new VM, requests in flight finish on",
      "the old one; a build error keeps the old VM (a .wasm without sources: reload it when",
      "the file changes)",
    ],
  },
});

const help = renderHelp({
  usage: "proxy-wasm run <wasm-file | filter-name> --upstream <url> [options]",
  description: `A local HTTP/1.1 proxy (node:http) that runs every request and response through the filter in the
Proxy-Wasm host emulator, like one Envoy worker with the filter before the router: request headers,
body chunks and trailers, then the upstream's response the same way; pauses, local replies (the upstream is
then never contacted), callouts to --cluster URLs, fail-closed 503 or --fail-open after a trap. The VM runs
in its own thread: a callback that does not return within --callback-timeout is stopped (its in-VM stack
printed) and a fresh VM serves the next requests. The filter's logs go to stderr ("[info] User-Agent:
curl/8.5.0"); "listening on <url>" and one access-log line per request go to stdout.
SIGINT/SIGTERM stop accepting, let in-flight requests finish (at most ${DEFAULT_DRAIN_MS / 1000} s), shut the plugin down, exit 0.`,
  arguments: [
    {
      name: "<wasm-file | filter-name>",
      help: [
        "a .wasm file, or a name meaning build/<name>.wasm (an example or a filter",
        "built by `proxy-wasm build`), else the package's own example of that name",
      ],
    },
  ],
  flags,
  after: `Before the filter, the proxy adds x-forwarded-proto and (if absent) x-request-id, as Envoy's
connection manager does.

Examples:
  proxy-wasm run add-header --upstream http://127.0.0.1:3000
  curl -si http://127.0.0.1:8080/       # → hello: world
  proxy-wasm run build/user-agent-logger.wasm --upstream http://127.0.0.1:3000 --listen 127.0.0.1:10000
  proxy-wasm run add-header --upstream http://127.0.0.1:3000 --config '{"name":"x-demo","value":"yes"}'
  proxy-wasm run http-auth --upstream http://127.0.0.1:3000 --cluster auth=http://127.0.0.1:9001
  proxy-wasm build my-filter --debug && proxy-wasm run my-filter --debug --watch --upstream 127.0.0.1:3000`,
});

/** The proxy's options from the parsed flags: reads the module and the configuration file; nothing listens yet. */
export function runOptionsFrom(values: OptionsOf<typeof flags>, positionals: string[], cwd: string = process.cwd()): RunOptions {
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? "name a module: proxy-wasm run <wasm-file | filter-name> --upstream URL" : `one module only, got ${positionals.join(" ")}`);
  }
  if (values.upstream === undefined) throw new UsageError("--upstream http://127.0.0.1:PORT is required");
  const listen = parseListen(values.listen, values.allowRemote);
  if (values.config !== undefined && values.configFile !== undefined) throw new UsageError("use --config or --config-file, not both");
  let pluginConfiguration = values.config ?? "";
  if (values.configFile !== undefined) {
    pluginConfiguration = readFlagFile("--config-file", values.configFile, { cwd });
  }
  const module = resolveModule(positionals[0]!, cwd, values.debug ? "debug" : "release");
  return {
    wasmPath: module.path,
    wasm: readModule(module.path),
    name: module.name,
    rootId: values.rootId ?? rootIdFor(module.name),
    upstream: values.upstream,
    listen,
    pluginConfiguration,
    vmConfiguration: values.vmConfig,
    clusters: parseClusters(values.cluster),
    failOpen: values.failOpen,
    logLevel: values.logLevel,
    trace: values.trace,
    callbackTimeoutMs: values.callbackTimeout,
    routeTimeoutMs: values.routeTimeout,
    bufferLimit: values.bufferLimit,
    quiet: values.quiet,
    debug: values.debug,
    watch: values.watch,
    source: values.watch ? sourceEntry(module.name, cwd) : null,
  };
}

/** The build entry of a filter name (examples/<name>/main.ts or filters/<name>/main.ts) in a project, if any. */
function sourceEntry(name: string, cwd: string): BuildEntry | null {
  if (!existsSync(join(cwd, "asconfig.json"))) return null;
  return localFilterEntry(cwd, name);
}

/** Waits for SIGINT or SIGTERM; a second one calls `onSecond` (an immediate stop). `dispose` removes the handlers. */
function signals(onSecond: () => void): { first: Promise<string>; dispose(): void } {
  let seen = false;
  let resolveFirst!: (signal: string) => void;
  const first = new Promise<string>((resolve) => (resolveFirst = resolve));
  const handler = (signal: NodeJS.Signals) => {
    if (seen) onSecond();
    seen = true;
    resolveFirst(signal);
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    first,
    dispose() {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}

export const runCommand: Command = {
  name: "run",
  summary: "run a filter in a local HTTP proxy in front of an upstream (emulated Envoy)",
  help,
  flags,
  async run(args) {
    const { options: values, positionals } = parseCommandLine(flags, args, "run");
    const options = runOptionsFrom(values, positionals);
    const proxy = await startProxy({
      wasm: options.wasm,
      sourceMap: sourceMapText(options.wasm, options.wasmPath),
      rootId: options.rootId,
      upstream: options.upstream,
      listen: options.listen,
      pluginConfiguration: options.pluginConfiguration,
      vmConfiguration: options.vmConfiguration,
      clusters: options.clusters,
      failOpen: options.failOpen,
      logLevel: options.logLevel,
      trace: options.trace,
      callbackTimeoutMs: options.callbackTimeoutMs,
      routeTimeoutMs: options.routeTimeoutMs,
      bufferLimit: options.bufferLimit,
      accessLog: options.quiet ? false : undefined,
    });
    const credentials = options.upstream.credentials ? " (Basic credentials from the URL)" : "";
    process.stderr.write(
      `[proxy] ${options.name} (root id ${options.rootId}) → ${options.upstream.url.href}${credentials}` +
        (options.clusters.size > 0 ? `; clusters ${[...options.clusters].map(([n, u]) => `${n}=${u.url.origin}`).join(", ")}` : "") +
        "\n",
    );
    const watcher = options.watch
      ? watchFilter({
          build: options.source !== null ? { root: process.cwd(), entry: options.source, target: options.debug ? "debug" : "release", outDir: dirname(options.wasmPath) } : null,
          wasmPath: options.wasmPath,
          proxy,
          report: (line) => void process.stderr.write(line + "\n"),
        })
      : null;
    if (watcher !== null) {
      const { folders, files } = watcher.watching;
      const shown = [...folders.map((folder) => `${relative(process.cwd(), folder) || "."}/`), ...files.map((file) => relative(process.cwd(), file))];
      process.stderr.write(`[watch] watching ${shown.join(", ")}${options.source !== null ? " to rebuild" : ""}\n`);
    }
    // The handlers are in place before "listening on" tells anyone that the proxy is up.
    const stop = signals(() => void proxy.close(0));
    console.log(`listening on ${proxy.url}`);
    const signal = await stop.first;
    process.stderr.write(`[proxy] ${signal}: stopping (${proxy.inFlight} request(s) in flight, ${proxy.served} served)\n`);
    await watcher?.close();
    await proxy.close();
    stop.dispose();
    return EXIT_OK;
  },
};
