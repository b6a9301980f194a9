/**
 * The local proxy: one node:http server, one emulated Envoy worker (a single Wasm VM whose root context
 * serves every request, streams interleaved), one upstream. Each request is a StreamBridge. Stopping
 * refuses new connections, lets in-flight requests finish (bounded), then shuts the plugin down.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CliError } from "../cli-errors.ts";
import { ProxyWasmHost, type LogEntry, type LogLevelName } from "../host/index.ts";
import { StreamBridge } from "./bridge.ts";
import { ClusterMap } from "./clusters.ts";
import type { ListenAddress } from "./options.ts";
import { Endpoint } from "./upstream.ts";

export interface ProxyConfig {
  wasm: Uint8Array | string;
  rootId: string;
  upstream: URL;
  listen: ListenAddress;
  pluginConfiguration?: string;
  vmConfiguration?: string;
  clusters?: ReadonlyMap<string, URL>;
  failOpen?: boolean;
  logLevel?: LogLevelName;
  /** Print the emulator's host↔VM call trace and each callout. */
  trace?: boolean;
  /** Where filter logs and proxy notices go, one line each (default: stderr). */
  report?: (line: string) => void;
}

export interface RunningProxy {
  /** http://host:port the proxy listens on. */
  readonly url: string;
  readonly address: ListenAddress;
  readonly host: ProxyWasmHost;
  /** Requests being served now. */
  readonly inFlight: number;
  /** Requests served so far (each one a filter stream). */
  readonly served: number;
  /** Stops accepting, waits up to `drainMs` for in-flight requests, aborts the rest, shuts the plugin down. */
  close(drainMs?: number): Promise<void>;
}

export const DEFAULT_DRAIN_MS = 5000;

/** Log entries the emulator keeps (the proxy prints them, so only those logged while starting matter). */
const START_LOG_LINES = 100;

function formatLog(entry: LogEntry): string {
  return `[${entry.level}] ${entry.message}`;
}

export async function startProxy(config: ProxyConfig): Promise<RunningProxy> {
  const report = config.report ?? ((line: string) => void process.stderr.write(line + "\n"));
  const clusters = new ClusterMap(config.clusters ?? new Map(), report, config.trace ?? false);
  const host = await ProxyWasmHost.start({
    wasm: config.wasm,
    rootId: config.rootId,
    pluginConfiguration: config.pluginConfiguration ?? "",
    vmConfiguration: config.vmConfiguration ?? "",
    logLevel: config.logLevel ?? "info",
    failOpen: config.failOpen ?? false,
    clusters: clusters.names,
    clock: "system",
    trace: config.trace ? report : undefined,
    // The proxy is long-lived: logs are printed as they come (event "log"); the host keeps only the last
    // few, enough for what the plugin logged while starting, before a listener could exist.
    retainLogs: START_LOG_LINES,
    // Nothing else may grow for the proxy's life either.
    retainHostMessages: START_LOG_LINES,
    retainHistogramSamples: START_LOG_LINES,
  });
  // What the plugin logged while starting (e.g. why it rejected its configuration), then live logs.
  for (const entry of host.logEntries()) report(formatLog(entry));
  if (host.failed) {
    clusters.close();
    throw new CliError(`the filter did not start (${host.failState}): ${host.failMessage}`);
  }
  host.on("log", (entry: LogEntry) => report(formatLog(entry)));
  host.on("failed", ({ state, message }: { state: string; message: string }) => {
    const then = config.failOpen ? "requests now bypass the filter (--fail-open)" : "requests now get 503 (fail-closed)";
    report(`[proxy] the filter failed (${state}): ${message}; ${then}`);
  });
  clusters.attach(host);

  const upstream = new Endpoint(config.upstream);
  const bridges = new Set<StreamBridge>();
  let closing = false;
  let served = 0;
  const env = { host, upstream, closing: () => closing, report };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
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
  server.on("clientError", (_error, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      clusters.close();
      upstream.close();
      host.shutdown();
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
      clusters.close();
      upstream.close();
      if (!host.shutdown()) report("[proxy] the plugin did not finish on_done (it still expects a callback); stopped anyway");
      host.removeAllListeners();
    })();
    return closed;
  };

  return {
    url,
    address,
    host,
    get inFlight() {
      return bridges.size;
    },
    get served() {
      return served;
    },
    close,
  };
}
