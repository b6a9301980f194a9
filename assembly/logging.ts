// Logging through the host, with the host's level cached so a disabled level costs one comparison.
import { proxy_get_log_level, proxy_log } from "./abi/logging";
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

/** Forgets the cached level; the dispatcher calls it whenever a context is created. */
export function forgetLogLevel(): void {
  hostLevel = -1;
}

/** The host's current log level (asked once per context, then cached). */
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
