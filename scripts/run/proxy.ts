/**
 * The local proxy: one node:http server, one emulated Envoy worker (a single Wasm VM in a worker thread,
 * whose root context serves every request, streams interleaved), one upstream. Each request is a
 * StreamBridge. A VM lost to a callback that did not return is replaced by a fresh one; `reload` swaps in
 * a new module the way Envoy applies a new configuration (new streams get the new VM, streams in flight
 * finish on the old one). Stopping refuses new connections, lets in-flight requests finish (bounded), then
 * shuts the plugin down.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { CliError } from "../cli-errors.ts";
import type { LogLevelName } from "../host/index.ts";
import type { UpstreamAddress } from "../upstream-address.ts";
import { formatAccessLog, type AccessLogEntry } from "./access-log.ts";
import { StreamBridge } from "./bridge.ts";
import { FilterVm, type VmLoss } from "./filter-vm.ts";
import type { ListenAddress } from "./options.ts";
import { Endpoint } from "./upstream.ts";
import { WorkerStacks } from "./vm-stack.ts";
import { formatVmStack } from "./vm-report.ts";
import { sourceMapText, WasmSourceMap } from "../host/source-map.ts";

export interface ProxyConfig {
  /** The module's bytes or its path. */
  wasm: Uint8Array | string;
  /**
   * The debug build's source map (JSON text): trap reports and the stack of a stopped VM name source lines.
   * Default: the map a `wasm` path names (build/<name>.debug.wasm.map).
   */
  sourceMap?: string | null;
  rootId: string;
  /** May carry userinfo (http://user:pass@host): sent upstream as Basic credentials, never printed. */
  upstream: URL | UpstreamAddress;
  listen: ListenAddress;
  pluginConfiguration?: string;
  vmConfiguration?: string;
  clusters?: ReadonlyMap<string, URL | UpstreamAddress>;
  failOpen?: boolean;
  logLevel?: LogLevelName;
  /** Print what each request gives the filter and what it lets through (headers, body sizes), and each callout. */
  trace?: boolean;
  /** A VM call still running after this many ms stops the VM (default 5000). */
  callbackTimeoutMs?: number;
  /** Envoy's route timeout: a request sent upstream whole and not answered in time gets a 504 (default 15000; 0: none). */
  routeTimeoutMs?: number;
  /** Envoy's buffer limit for a body the filter buffers: 413 (request) / 500 (response) above it (default 1 MiB). */
  bufferLimit?: number;
  /** Where filter logs and proxy notices go, one line each (default: stderr). */
  report?: (line: string) => void;
  /** Where the access log goes, one line per request (default: stdout); false: no access log. */
  accessLog?: ((line: string) => void) | false;
}

export interface RunningProxy {
  /** http://host:port the proxy listens on. */
  readonly url: string;
  readonly address: ListenAddress;
  /** The VM serving new requests. */
  readonly vm: FilterVm;
  /** Requests being served now. */
  readonly inFlight: number;
  /** Requests served so far (each one a filter stream). */
  readonly served: number;
  /**
   * Starts a VM with a new module (and the same configuration); once it is ready, new requests go to it and
   * the old one is shut down when its streams are done. Resolves to null, or to why the new VM did not
   * start (the old one keeps serving).
   */
  reload(wasm: Uint8Array, sourceMap?: string | null): Promise<string | null>;
  /** Stops accepting, waits up to `drainMs` for in-flight requests, aborts the rest, shuts the plugin down. */
  close(drainMs?: number): Promise<void>;
}

export const DEFAULT_DRAIN_MS = 1000;
export const DEFAULT_CALLBACK_TIMEOUT_MS = 5000;
export const DEFAULT_ROUTE_TIMEOUT_MS = 15_000;
/** Envoy's default per-connection buffer limit (1 MiB), which bounds bodies an HTTP/1 filter buffers. */
export const DEFAULT_BUFFER_LIMIT = 1024 * 1024;
/** Envoy's default max_request_headers_kb (60 KiB); more is a 431. */
const MAX_HEADER_BYTES = 60 * 1024;
/** How long a VM gets to run on_done at shutdown before its worker is terminated. */
const SHUTDOWN_GRACE_MS = 500;

function parseSourceMap(text: string | null): WasmSourceMap | null {
  try {
    return text === null ? null : new WasmSourceMap(text);
  } catch {
    return null;
  }
}

export async function startProxy(config: ProxyConfig): Promise<RunningProxy> {
  const report = config.report ?? ((line: string) => void process.stderr.write(line + "\n"));
  const accessLine = config.accessLog === undefined ? (line: string) => void process.stdout.write(line + "\n") : config.accessLog;
  const failOpen = config.failOpen ?? false;
  const callbackTimeoutMs = config.callbackTimeoutMs ?? DEFAULT_CALLBACK_TIMEOUT_MS;
  const bufferLimit = config.bufferLimit ?? DEFAULT_BUFFER_LIMIT;
  const stacks = await WorkerStacks.attach();
  let closing = false;

  const startVm = (wasm: Uint8Array, sourceMap: string | null): FilterVm =>
    new FilterVm({
      wasm,
      sourceMap,
      rootId: config.rootId,
      pluginConfiguration: config.pluginConfiguration ?? "",
      vmConfiguration: config.vmConfiguration ?? "",
      failOpen,
      logLevel: config.logLevel ?? "info",
      trace: config.trace ?? false,
      clusters: config.clusters ?? new Map(),
      bufferLimit,
      callbackTimeoutMs,
      report,
      stacks,
    });

  const then = failOpen ? "requests now bypass the filter (--fail-open)" : "requests now get 503 (fail-closed)";
  /** Reports a VM's trap or loss; a VM lost while serving is replaced by a fresh one. */
  const watch = (vm: FilterVm) => {
    vm.on("failed", ({ state, message }: { state: string; message: string }) => report(`[proxy] the filter failed (${state}): ${message}; ${then}`));
    vm.on("lost", (loss: VmLoss) => {
      const inFlight = failOpen
        ? "requests in flight go on without the filter (--fail-open) unless it held more than the buffer limit"
        : "requests in flight get 503, or are reset if their response headers went out";
      // A fresh VM replaces one that was serving; one that did not even start is not retried (it would
      // not start again).
      const replace = !closing && vm === current && vm.started;
      const next = replace ? "; a fresh VM serves new requests" : "";
      report(`[proxy] the filter failed: ${loss.reason}; ${inFlight}${next}`);
      const map = parseSourceMap(sourceMap);
      void loss.stack.then((frames) => formatVmStack(frames, map).forEach(report));
      if (!replace) return;
      const fresh = startVm(wasm, sourceMap);
      watch(fresh);
      current = fresh;
      void fresh.ready.then((result) => {
        if ("lost" in result) report(`[proxy] the fresh VM did not start either: ${then}`);
        else if (result.failState !== "Ok") report(`[proxy] the fresh VM did not start (${result.failState}): ${result.failMessage}`);
      });
    });
  };

  let wasm = typeof config.wasm === "string" ? new Uint8Array(readFileSync(config.wasm)) : config.wasm;
  let sourceMap = config.sourceMap !== undefined ? config.sourceMap : typeof config.wasm === "string" ? sourceMapText(wasm, config.wasm) : null;
  let current = startVm(wasm, sourceMap);
  const started = await current.ready;
  if ("lost" in started) {
    formatVmStack(await started.lost.stack, parseSourceMap(sourceMap)).forEach(report);
    await current.shutdown(0);
    stacks?.close();
    throw new CliError(`the filter did not start: ${started.lost.reason}`);
  }
  if (started.failState !== "Ok") {
    await current.shutdown(SHUTDOWN_GRACE_MS);
    stacks?.close();
    throw new CliError(`the filter did not start (${started.failState}): ${started.failMessage}`);
  }
  watch(current);

  const upstream = new Endpoint(config.upstream);
  const bridges = new Set<StreamBridge>();
  /** VMs replaced by a reload, still finishing their streams. */
  const retiring = new Set<FilterVm>();
  let served = 0;
  const env = {
    openStream: () => current.openStream(),
    upstream,
    failOpen,
    routeTimeoutMs: config.routeTimeoutMs ?? DEFAULT_ROUTE_TIMEOUT_MS,
    replayLimit: bufferLimit,
    closing: () => closing,
    report,
    accessLog: (entry: AccessLogEntry) => {
      if (accessLine) accessLine(formatAccessLog(entry));
    },
    trace: config.trace ? report : null,
    requestNumber: () => served,
  };

  const server: Server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req: IncomingMessage, res: ServerResponse) => {
    if (closing) {
      res.writeHead(503, { "content-type": "text/plain", connection: "close" });
      res.end("proxy-wasm run is shutting down\n");
      return;
    }
    served++;
    const bridge = new StreamBridge(env, req, res);
    bridges.add(bridge);
    void bridge.done.then(() => bridges.delete(bridge));
    bridge.start();
  });
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    // Envoy's HTTP/1 codec: headers over the limit are a 431, anything else it cannot parse a 400.
    const status = error.code === "HPE_HEADER_OVERFLOW" ? "431 Request Header Fields Too Large" : "400 Bad Request";
    socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      upstream.close();
      void current.shutdown(SHUTDOWN_GRACE_MS).finally(() => stacks?.close());
      const where = `${config.listen.host}:${config.listen.port}`;
      reject(new CliError(error.code === "EADDRINUSE" ? `cannot listen on ${where}: address in use` : `cannot listen on ${where}: ${error.message}`));
    };
    server.once("error", onError);
    server.listen(config.listen.port, config.listen.host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const address = { host: bound.address, port: bound.port };
  const url = `http://${bound.family === "IPv6" ? `[${bound.address}]` : bound.address}:${bound.port}`;

  /** A replaced VM: shut down once its last stream is done. */
  const retire = (vm: FilterVm) => {
    retiring.add(vm);
    const check = () => {
      if (vm.openStreams > 0 && !closing) return;
      clearInterval(timer);
      retiring.delete(vm);
      void vm.shutdown(SHUTDOWN_GRACE_MS).then((done) => {
        if (!done) report(`[proxy] VM ${vm.number} did not finish on_done; stopped anyway`);
      });
    };
    const timer = setInterval(check, 50);
    check();
  };

  const reload = async (module: Uint8Array, map: string | null = null): Promise<string | null> => {
    if (closing) return "the proxy is stopping";
    const next = startVm(module, map);
    const result = await next.ready;
    const failure = "lost" in result ? result.lost.reason : result.failState !== "Ok" ? `${result.failState}: ${result.failMessage}` : null;
    if (failure !== null || closing) {
      await next.shutdown(SHUTDOWN_GRACE_MS);
      return failure ?? "the proxy is stopping";
    }
    wasm = module;
    sourceMap = map;
    const previous = current;
    watch(next);
    current = next;
    retire(previous);
    return null;
  };

  let closed: Promise<void> | null = null;
  let stopWaiting: () => void = () => undefined;
  const close = (drainMs = DEFAULT_DRAIN_MS): Promise<void> => {
    // A second close(0) while draining cuts the drain short.
    if (closed !== null && drainMs === 0) stopWaiting();
    closed ??= (async () => {
      closing = true;
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (bridges.size > 0) {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, drainMs);
          stopWaiting = resolve;
        });
        await Promise.race([Promise.all([...bridges].map((b) => b.done)), timeout]);
        clearTimeout(timer);
        if (bridges.size > 0) report(`[proxy] ${bridges.size} request(s) still in flight after ${drainMs} ms: aborted`);
        for (const bridge of [...bridges]) bridge.abort();
      }
      server.closeAllConnections();
      await serverClosed;
      upstream.close();
      const vms = [current, ...retiring];
      const done = await Promise.all(vms.map((vm) => vm.shutdown(SHUTDOWN_GRACE_MS)));
      if (done.includes(false)) report("[proxy] the plugin did not finish on_done (it still expects a callback or is stuck); stopped anyway");
      stacks?.close();
    })();
    return closed;
  };

  return {
    url,
    address,
    get vm() {
      return current;
    },
    get inFlight() {
      return bridges.size;
    },
    get served() {
      return served;
    },
    reload,
    close,
  };
}
