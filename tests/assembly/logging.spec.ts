// logging.ts: messages go to proxy_log as UTF-8 only at or above the host's level, which is asked once
// and cached until forgetLogLevel() (the dispatcher calls it for every new context).
import { forgetLogLevel, hostLogLevel, isLogEnabled, log, logCritical, logDebug, logInfo, LogLevel, logWarn } from "../../assembly/logging";
import "../../assembly/abort";
import { mockCallCount, mockFailNext, mockLastBytes, mockLogCount, mockLogLevel, mockLogLevelAt, mockLogMessageAt, mockReset } from "./mock";

describe("logging", () => {
  beforeEach(() => {
    mockReset();
    forgetLogLevel();
  });

  it("sends messages as UTF-8 with their level", () => {
    logInfo("héllo 😀");
    expect(mockLogCount()).toBe(1);
    expect(mockLogLevelAt(0)).toBe(LogLevel.Info);
    expect(mockLogMessageAt(0)).toBe("héllo 😀");
    expect(mockLastBytes("proxy_log")!.byteLength).toBe(11);
  });

  it("drops messages below the host's level", () => {
    mockLogLevel(LogLevel.Warn);
    logDebug("no");
    logInfo("no");
    logWarn("yes");
    logCritical("yes too");
    expect(mockLogCount()).toBe(2);
    expect(mockLogMessageAt(0)).toBe("yes");
    expect(mockLogLevelAt(1)).toBe(LogLevel.Critical);
    expect(isLogEnabled(LogLevel.Info)).toBe(false);
    expect(isLogEnabled(LogLevel.Error)).toBe(true);
  });

  it("asks the host once and caches the level until forgotten", () => {
    mockLogLevel(LogLevel.Error);
    expect(hostLogLevel()).toBe(LogLevel.Error);
    mockLogLevel(LogLevel.Trace);
    expect(hostLogLevel()).toBe(LogLevel.Error);
    logInfo("dropped: the cached level is still Error");
    expect(mockCallCount("proxy_get_log_level")).toBe(1);
    forgetLogLevel();
    expect(hostLogLevel()).toBe(LogLevel.Trace);
    expect(mockCallCount("proxy_get_log_level")).toBe(2);
    expect(mockLogCount()).toBe(0);
  });

  it("logs everything when the host cannot tell its level", () => {
    mockLogLevel(LogLevel.Critical);
    mockFailNext("proxy_get_log_level", 2);
    log(LogLevel.Trace, "sent");
    expect(hostLogLevel()).toBe(LogLevel.Trace);
    expect(mockLogCount()).toBe(1);
  });

  it("does not trap when the host refuses a message", () => {
    mockFailNext("proxy_log", 2);
    logInfo("refused");
    logInfo("accepted");
    expect(mockCallCount("proxy_log")).toBe(2);
    expect(mockLogCount()).toBe(1);
  });
});

function abortWithMessage(): void {
  proxyWasmAbort("bad state ✗", "filter/index.ts", 42, 7);
}

function abortWithoutMessage(): void {
  proxyWasmAbort(null, null, 0, 0);
}

describe("abort (asc --use abort=proxyWasmAbort)", () => {
  beforeEach(() => mockReset());

  it("logs message, file and line at Critical through proxy_log, then traps", () => {
    expect(abortWithMessage).toThrow();
    expect(mockLogCount()).toBe(1);
    expect(mockLogLevelAt(0)).toBe(LogLevel.Critical);
    expect(mockLogMessageAt(0)).toBe("bad state ✗ at filter/index.ts:42");
  });

  it("logs placeholders without a message or file", () => {
    expect(abortWithoutMessage).toThrow();
    expect(mockLogMessageAt(0)).toBe("abort at ?:0");
  });
});
