/**
 * The worker thread that runs the filter for `proxy-wasm run`: one emulated Envoy worker (a ProxyWasmHost
 * with its system clock, its callouts to --cluster URLs) driven by messages from the main thread, which owns
 * the sockets. A filter that loops blocks only this thread: the main thread's watchdog sees the call in the
 * shared call state and terminates the worker.
 */
import { parentPort, workerData } from "node:worker_threads";
import { ProxyWasmHost, type CallMonitor, type HttpStream, type LogEntry, type LogLevelName, type Pairs } from "../host/index.ts";
import { ClusterMap } from "./clusters.ts";
import { addressOf } from "./upstream.ts";
import { CallState, MessageBatcher, ownBytes, type Direction, type FromVm, type ToVm, type VmWorkerData } from "./vm-protocol.ts";

/** Log entries the emulator keeps (printed as they come; only those logged while starting matter). */
const START_LOG_LINES = 100;

/** The map's JSON, parsed (a malformed one only costs the source locations). */
function parsedSourceMap(text: string | null): object | false {
  if (text === null) return false;
  try {
    return JSON.parse(text) as object;
  } catch {
    return false;
  }
}

function formatLog(entry: LogEntry): string {
  return `[${entry.level}] ${entry.message}`;
}

/** Writes each outermost call into the shared call state; a callback's name is announced once, by id. */
function sharedCallMonitor(state: Int32Array): CallMonitor {
  const ids = new Map<string, number>();
  return {
    enter(name, contextId) {
      let id = ids.get(name);
      if (id === undefined) {
        id = ids.size + 1;
        ids.set(name, id);
        // Sent now, not batched: if this very call never returns, the main thread still learns its name.
        parentPort!.postMessage([{ t: "callName", id, name } satisfies FromVm]);
      }
      Atomics.store(state, CallState.name, id);
      Atomics.store(state, CallState.context, contextId);
      Atomics.add(state, CallState.seq, 1);
      Atomics.store(state, CallState.busy, 1);
    },
    exit() {
      Atomics.store(state, CallState.busy, 0);
    },
  };
}

export async function runVmWorker(): Promise<void> {
  const data = workerData as VmWorkerData;
  const port = parentPort!;
  const out = new MessageBatcher<FromVm>((batch, transfer) => parentPort!.postMessage(batch, transfer));
  const line = (text: string) => out.push({ t: "line", line: text });
  const clusters = new ClusterMap(new Map(data.clusters.map(([name, { href, credentials }]) => [name, { ...addressOf(new URL(href)), credentials }])), line, data.trace);
  const host = await ProxyWasmHost.start({
    wasm: data.wasm,
    rootId: data.rootId,
    pluginConfiguration: data.pluginConfiguration,
    vmConfiguration: data.vmConfiguration,
    logLevel: data.logLevel as LogLevelName,
    failOpen: data.failOpen,
    clusters: clusters.names,
    clock: "system",
    retainLogs: START_LOG_LINES,
    // Nothing else may grow for the proxy's life either.
    retainHostMessages: START_LOG_LINES,
    retainHistogramSamples: START_LOG_LINES,
    callMonitor: sharedCallMonitor(new Int32Array(data.callState)),
    bufferLimit: data.bufferLimit,
    sourceMap: parsedSourceMap(data.sourceMap),
  });
  for (const entry of host.logEntries()) line(formatLog(entry));
  host.on("log", (entry: LogEntry) => line(formatLog(entry)));
  host.on("failed", ({ state, message }: { state: string; message: string }) => out.push({ t: "failed", state, message }));
  clusters.attach(host);

  const streams = new Map<number, HttpStream>();
  let retainedBodyBytes = 0;

  const open = (s: number): HttpStream => {
    const stream = host.http({ retainBodies: false });
    streams.set(s, stream);
    const forward = (dir: Direction) => ({
      headers: (pairs: Pairs, eos: boolean) => out.push({ t: "headers", s, dir, pairs, eos }),
      body: (data: Buffer, eos: boolean) => {
        const bytes = ownBytes(data);
        out.push({ t: "body", s, dir, data: bytes, eos }, bytes.buffer as ArrayBuffer);
      },
      trailers: (pairs: Pairs) => out.push({ t: "trailers", s, dir, pairs }),
    });
    const request = forward(0);
    const response = forward(1);
    stream.on("requestHeaders", request.headers);
    stream.on("requestBody", request.body);
    stream.on("requestTrailers", request.trailers);
    stream.on("responseHeaders", response.headers);
    stream.on("responseBody", response.body);
    stream.on("responseTrailers", response.trailers);
    stream.on("localResponse", (reply: { statusCode: number; details: string }) =>
      out.push({ t: "local", s, reply: { statusCode: reply.statusCode, details: reply.details } }),
    );
    stream.on("reset", (details: string) => out.push({ t: "reset", s, details }));
    stream.on("complete", () => {
      streams.delete(s);
      retainedBodyBytes += stream.requestBody.length + stream.responseBody.length;
      out.push({ t: "done", s });
    });
    return stream;
  };

  const handle = (m: ToVm): void => {
    switch (m.t) {
      case "headers": {
        const stream = m.dir === 0 ? open(m.s) : streams.get(m.s);
        if (m.dir === 0) stream?.callOnRequestHeaders(m.pairs, m.eos);
        else stream?.callOnResponseHeaders(m.pairs, m.eos);
        return;
      }
      case "body": {
        const stream = streams.get(m.s);
        const chunk = Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
        if (m.dir === 0) stream?.callOnRequestBody(chunk, m.eos);
        else stream?.callOnResponseBody(chunk, m.eos);
        out.push({ t: "ack", s: m.s, dir: m.dir, n: m.data.byteLength, buffered: stream?.watermarkedBytes(m.dir === 0) ?? 0, held: stream?.notForwardedBytes(m.dir === 0) ?? 0 });
        return;
      }
      case "trailers": {
        const stream = streams.get(m.s);
        if (m.dir === 0) stream?.callOnRequestTrailers(m.pairs);
        else stream?.callOnResponseTrailers(m.pairs);
        return;
      }
      case "complete":
        streams.get(m.s)?.complete();
        return;
      case "stats":
        out.push({
          t: "stats",
          id: m.id,
          stats: {
            failState: host.failState,
            failMessage: host.failMessage,
            contextIds: host.contextIds(),
            rootContextId: host.rootContextId,
            memoryPages: host.memoryPages(),
            rootDone: host.rootDone,
            retainedLogs: host.logEntries().length,
            openStreams: streams.size,
            retainedBodyBytes,
          },
        });
        return;
      case "shutdown": {
        for (const stream of [...streams.values()]) stream.complete();
        clusters.close();
        const done = host.shutdown();
        host.removeAllListeners();
        out.push({ t: "shutdownDone", done });
        out.flush();
        port.close();
        return;
      }
    }
  };

  port.on("message", (batch: ToVm[]) => {
    for (const m of batch) {
      try {
        handle(m);
      } catch (error) {
        const s = "s" in m ? m.s : 0;
        out.push({ t: "error", s, message: (error as Error).message });
      }
    }
  });
  out.push({ t: "ready", failState: host.failState, failMessage: host.failMessage });
}
