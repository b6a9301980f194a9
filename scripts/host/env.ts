// State one emulated Envoy shares between its VMs (the canary and the worker): options, logs, clock,
// stats, shared data, property fixtures, foreign functions, trace sink and the host's event emitter.

import { deflateSync, inflateSync } from "node:zlib";
import type { EventEmitter } from "node:events";
import { Body } from "./body.ts";
import { Clock } from "./clock.ts";
import { LOG_LEVELS, Status, type LogLevelName } from "./constants.ts";
import { MetricStore } from "./metric-store.ts";
import type { ForeignFunction, HostOptions, ResolvedOptions } from "./options.ts";
import { propertyPath, type PropertyValue } from "./property-values.ts";
import { SharedStore } from "./shared-store.ts";

export interface LogEntry {
  level: LogLevelName;
  message: string;
  /** The context the plugin logged from (0 = VM context, e.g. during _initialize). */
  contextId: number;
}

const BUILTIN_FOREIGN: Record<string, ForeignFunction> = {
  compress: (args) => deflateSync(args),
  uncompress: (args) => {
    try {
      return inflateSync(args);
    } catch {
      return { status: Status.SerializationFailure };
    }
  },
};

export class HostEnv {
  readonly logs: LogEntry[] = [];
  readonly hostMessages: string[] = [];
  readonly clock: Clock;
  readonly shared: SharedStore;
  readonly metrics = new MetricStore();
  readonly properties = new Map<string, PropertyValue>();
  readonly foreign = new Map<string, ForeignFunction>();
  readonly trace: ((line: string) => void) | null;
  readonly vmConfiguration: Body;
  readonly pluginConfiguration: Body;
  readonly environment: Array<[string, string]>;

  constructor(
    readonly options: ResolvedOptions,
    raw: HostOptions,
    readonly events: EventEmitter,
  ) {
    this.clock = new Clock(raw.clock ?? "virtual", raw.clockStart);
    this.shared = raw.shared ?? new SharedStore();
    this.trace =
      raw.trace === true ? (line) => process.stderr.write(line + "\n") : typeof raw.trace === "function" ? raw.trace : null;
    this.vmConfiguration = new Body(options.vmConfiguration, false);
    this.pluginConfiguration = new Body(options.pluginConfiguration, false);
    this.environment = options.environment;
    for (const [name, fn] of Object.entries(BUILTIN_FOREIGN)) this.foreign.set(name, fn);
    for (const [name, fn] of Object.entries(raw.foreignFunctions ?? {})) this.foreign.set(name, fn);
    for (const [path, value] of Object.entries(raw.properties ?? {})) this.setProperty(path, value);
  }

  setProperty(path: string | readonly string[], value: PropertyValue): void {
    this.properties.set(propertyPath(path).join("\0"), value);
  }

  /** A plugin log line; dropped below the configured level, like Envoy's ENVOY_LOG. */
  log(level: number, message: string, contextId: number): void {
    if (level < this.options.logLevel) return;
    const name = LOG_LEVELS[level]!;
    const keep = this.options.retainLogs;
    if (keep > 0) {
      const logs = this.logs;
      logs.push({ level: name, message, contextId });
      // Trimmed in batches (amortized O(1)); retainedLogs() trims to the exact count when read.
      if (logs.length >= 2 * keep + 64) logs.splice(0, logs.length - keep);
    }
    if (this.options.printLogs) process.stderr.write(`[${name}] wasm log ${this.options.rootId}: ${message}\n`);
    if (this.events.listenerCount("log") > 0) this.events.emit("log", { level: name, message, contextId });
  }

  /** The log entries kept (the most recent `retainLogs` of them), oldest first. */
  retainedLogs(): LogEntry[] {
    const logs = this.logs;
    const keep = this.options.retainLogs;
    if (logs.length > keep) logs.splice(0, logs.length - keep);
    return logs;
  }

  /** A message from the host itself (VM failures, proc_exit, restricted calls). */
  message(text: string): void {
    this.hostMessages.push(text);
    if (this.trace) this.trace(text);
  }
}
