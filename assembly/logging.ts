// Logging through the host, with the host's level cached so a disabled level costs one comparison.
import { proxy_get_log_level, proxy_log } from "./abi/logging";
import { BytesView } from "./bytes-view";
import { encodeArg, arg0, arg0Length, RETURN_PTR } from "./memory";

export enum LogLevel {
  Trace = 0,
  Debug = 1,
  Info = 2,
  Warn = 3,
  Error = 4,
  Critical = 5,
}

/** The host's level, or -1 when it has to be asked again. */
let hostLevel: i32 = -1;

/**
 * Envoy's level can change at any time (its admin /logging endpoint) and nothing tells a filter: it
 * sees the new level only when it asks proxy_get_log_level again (Envoy answers with its wasm logger's
 * current level). The SDK asks again for every root context and for every ASK_EVERY_STREAMS-th stream
 * context, so a change shows within that many streams, for one host call per that many streams.
 */
const ASK_EVERY_STREAMS: u32 = 16;
let streamsSinceAsked: u32 = 0;

/** Forgets the cached level: the next log call asks the host. */
export function forgetLogLevel(): void {
  hostLevel = -1;
  streamsSinceAsked = 0;
}

/** The dispatcher's note of a new context: forgets the level for a root and every ASK_EVERY_STREAMS-th stream. */
export function noteContextCreated(root: bool): void {
  if (root || ++streamsSinceAsked >= ASK_EVERY_STREAMS) forgetLogLevel();
}

/** The host's current log level (asked again now and then, see noteContextCreated; cached otherwise). */
export function hostLogLevel(): LogLevel {
  if (hostLevel < 0) {
    hostLevel = proxy_get_log_level(RETURN_PTR) == 0 ? load<i32>(RETURN_PTR) : LogLevel.Trace;
  }
  return <LogLevel>hostLevel;
}

/** Whether a message at `level` would be logged: guard expensive message building with it. */
export function isLogEnabled(level: LogLevel): bool {
  return level >= hostLogLevel();
}

export function log(level: LogLevel, message: string): void {
  if (level < hostLogLevel()) return;
  encodeArg(message);
  proxy_log(level, arg0, arg0Length);
}

export function logTrace(message: string): void {
  log(LogLevel.Trace, message);
}

export function logDebug(message: string): void {
  log(LogLevel.Debug, message);
}

export function logInfo(message: string): void {
  log(LogLevel.Info, message);
}

export function logWarn(message: string): void {
  log(LogLevel.Warn, message);
}

export function logError(message: string): void {
  log(LogLevel.Error, message);
}

export function logCritical(message: string): void {
  log(LogLevel.Critical, message);
}

/**
 * A log message put together from text and bytes without making strings: `logLine(LogLevel.Info)
 * .add("User-Agent: ").addView(value).send()`. Nothing is put together when the level is disabled.
 * There is one line: send it before starting another.
 */
export class LogLine {
  private level: LogLevel = LogLevel.Info;
  private enabled: bool = false;
  private used: usize = 0;
  private block: usize = 0;
  private capacity: usize = 0;

  /** Used by logLine. */
  start(level: LogLevel): LogLine {
    this.level = level;
    this.enabled = level >= hostLogLevel();
    this.used = 0;
    return this;
  }

  /** Appends `text` as UTF-8. */
  add(text: string): LogLine {
    if (this.enabled) {
      encodeArg(text);
      this.addBytes(arg0, arg0Length);
    }
    return this;
  }

  /** Appends `length` bytes at `pointer` (UTF-8, as they are). */
  addBytes(pointer: usize, length: usize): LogLine {
    if (!this.enabled) return this;
    const needed = this.used + length;
    if (needed > this.capacity) {
      const grown = heap.alloc(max<usize>(needed, 256));
      memory.copy(grown, this.block, this.used);
      if (this.block != 0) heap.free(this.block);
      this.block = grown;
      this.capacity = max<usize>(needed, 256);
    }
    memory.copy(this.block + this.used, pointer, length);
    this.used = needed;
    return this;
  }

  /** Appends the bytes of `view`. */
  addView(view: BytesView): LogLine {
    return this.addBytes(view.pointer, view.length);
  }

  /** Hands the line to the host. */
  send(): void {
    if (this.enabled) proxy_log(this.level, this.block, this.used);
    this.enabled = false;
  }
}

// @ts-ignore: decorator
@lazy const line = new LogLine();

/** The log line to put together at `level` (see LogLine). */
export function logLine(level: LogLevel): LogLine {
  return line.start(level);
}
