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
import { appendBounded, trimmed } from "./retention.ts";
import { SharedStore } from "./shared-store.ts";

/**
 * Which of the host's VMs: "base" (loaded and started once, never configured), "canary" (Envoy's
 * configuration canary: a throw-away clone that runs start + configure first) or "worker" (serves streams).
 */
export type VmRole = "base" | "canary" | "worker";

export interface LogEntry {
  level: LogLevelName;
  message: string;
  /** The context the plugin logged from (0 = VM context, e.g. during _initialize). */
  contextId: number;
  /** The VM that logged it. */
  vm: VmRole;
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

  /** A plugin log line from `vm`; dropped below the configured level, like Envoy's ENVOY_LOG. */
  log(level: number, message: string, contextId: number, vm: VmRole): void {
    if (level < this.options.logLevel) return;
    const name = LOG_LEVELS[level]!;
    const keep = this.options.retainLogs;
    const entry: LogEntry | null = keep > 0 || this.events.listenerCount("log") > 0 ? { level: name, message, contextId, vm } : null;
    if (entry !== null) appendBounded(this.logs, entry, keep);
    if (this.options.printLogs) process.stderr.write(`[${name}] wasm log ${this.options.rootId}: ${message}\n`);
    if (entry !== null && this.events.listenerCount("log") > 0) this.events.emit("log", entry);
  }

  /** The log entries kept (the most recent `retainLogs` of them), oldest first. */
  retainedLogs(): LogEntry[] {
    return trimmed(this.logs, this.options.retainLogs);
  }

  /** A message from the host itself (VM failures, proc_exit, restricted calls). */
  message(text: string): void {
    appendBounded(this.hostMessages, text, this.options.retainHostMessages);
    if (this.trace) this.trace(text);
  }

  /** The host messages kept (the most recent `retainHostMessages`), oldest first. */
  retainedHostMessages(): string[] {
    return trimmed(this.hostMessages, this.options.retainHostMessages);
  }
}
