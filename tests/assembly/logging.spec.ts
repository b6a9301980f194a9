// logging.ts: messages go to proxy_log as UTF-8 only at or above the host's level, which is asked once
// and cached until forgetLogLevel() (the dispatcher's noteContextCreated: every root context and
// every 16th stream context).
import { forgetLogLevel, hostLogLevel, isLogEnabled, log, logCritical, logDebug, logInfo, logLine, LogLevel, logWarn, noteContextCreated } from "../../assembly/logging";
import "../../assembly/abort";
import { hostCallCount, hostFailNext, hostLastBytes, hostLogCount, hostSetLogLevel, hostLogLevelAt, hostLogMessageAt, hostReset } from "./host-controls";

describe("logging", () => {
  beforeEach(() => {
    hostReset();
    forgetLogLevel();
  });

  it("sends messages as UTF-8 with their level", () => {
    logInfo("héllo 😀");
    expect(hostLogCount()).toBe(1);
    expect(hostLogLevelAt(0)).toBe(LogLevel.Info);
    expect(hostLogMessageAt(0)).toBe("héllo 😀");
    expect(hostLastBytes("proxy_log")!.byteLength).toBe(11);
  });

  it("drops messages below the host's level", () => {
    hostSetLogLevel(LogLevel.Warn);
    logDebug("no");
    logInfo("no");
    logWarn("yes");
    logCritical("yes too");
    expect(hostLogCount()).toBe(2);
    expect(hostLogMessageAt(0)).toBe("yes");
    expect(hostLogLevelAt(1)).toBe(LogLevel.Critical);
    expect(isLogEnabled(LogLevel.Info)).toBe(false);
    expect(isLogEnabled(LogLevel.Error)).toBe(true);
  });

  it("asks the host once and caches the level until forgotten", () => {
    hostSetLogLevel(LogLevel.Error);
    expect(hostLogLevel()).toBe(LogLevel.Error);
    hostSetLogLevel(LogLevel.Trace);
    expect(hostLogLevel()).toBe(LogLevel.Error);
    logInfo("dropped: the cached level is still Error");
    expect(hostCallCount("proxy_get_log_level")).toBe(1);
    forgetLogLevel();
    expect(hostLogLevel()).toBe(LogLevel.Trace);
    expect(hostCallCount("proxy_get_log_level")).toBe(2);
    expect(hostLogCount()).toBe(0);
  });

  it("asks again for every root context and every 16th stream context (Envoy's level can change through /logging)", () => {
    hostSetLogLevel(LogLevel.Warn);
    expect(hostLogLevel()).toBe(LogLevel.Warn);
    hostSetLogLevel(LogLevel.Debug);
    for (let i = 0; i < 15; i++) noteContextCreated(false);
    expect(hostLogLevel()).toBe(LogLevel.Warn);
    noteContextCreated(false);
    expect(hostLogLevel()).toBe(LogLevel.Debug);
    hostSetLogLevel(LogLevel.Error);
    noteContextCreated(false);
    expect(hostLogLevel()).toBe(LogLevel.Debug);
    noteContextCreated(true);
    expect(hostLogLevel()).toBe(LogLevel.Error);
    expect(hostCallCount("proxy_get_log_level")).toBe(3);
  });

  it("puts a line together from text and bytes with logLine, growing its memory, and skips it below the level", () => {
    const bytes = String.UTF8.encode("bytes é");
    logLine(LogLevel.Warn).add("text ").addBytes(changetype<usize>(bytes), bytes.byteLength).add("!").send();
    expect(hostLogCount()).toBe(1);
    expect(hostLogMessageAt(0)).toBe("text bytes é!");
    expect(hostLogLevelAt(0)).toBe(LogLevel.Warn);
    const long = "x".repeat(1000);
    logLine(LogLevel.Info).add(long).add(long).send();
    expect(hostLogMessageAt(1)).toBe(long + long);
    hostSetLogLevel(LogLevel.Error);
    forgetLogLevel();
    logLine(LogLevel.Info).add("dropped").send();
    expect(hostLogCount()).toBe(2);
    expect(hostCallCount("proxy_log")).toBe(2);
  });

  it("sends everything when the host cannot tell its level (the host still drops what is below its own)", () => {
    hostSetLogLevel(LogLevel.Critical);
    hostFailNext("proxy_get_log_level", 2);
    log(LogLevel.Trace, "sent");
    expect(hostLogLevel()).toBe(LogLevel.Trace);
    expect(hostCallCount("proxy_log")).toBe(1);
    expect(hostLogCount()).toBe(0);
  });

  it("does not trap when the host refuses a message", () => {
    hostFailNext("proxy_log", 2);
    logInfo("refused");
    logInfo("accepted");
    expect(hostCallCount("proxy_log")).toBe(2);
    expect(hostLogCount()).toBe(1);
  });
});

function abortWithMessage(): void {
  proxyWasmAbort("bad state ✗", "filter/index.ts", 42, 7);
}

function abortWithoutMessage(): void {
  proxyWasmAbort(null, null, 0, 0);
}

describe("abort (asc --use abort=proxyWasmAbort)", () => {
  beforeEach(() => hostReset());

  it("logs message, file and line at Critical through proxy_log, then traps", () => {
    expect(abortWithMessage).toThrow();
    expect(hostLogCount()).toBe(1);
    expect(hostLogLevelAt(0)).toBe(LogLevel.Critical);
    expect(hostLogMessageAt(0)).toBe("bad state ✗ at filter/index.ts:42");
  });

  it("logs placeholders without a message or file", () => {
    expect(abortWithoutMessage).toThrow();
    expect(hostLogMessageAt(0)).toBe("abort at ?:0");
  });
});
