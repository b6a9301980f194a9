// Timers, deferred root shutdown and the host log level through the SDK: setTickPeriodMilliseconds and
// onTick with the virtual clock (also set from a stream context, 0 stops), onDone false + done(), done()
// out of phase is NotFound (no trap), hostLogLevel() reads proxy_get_log_level.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { ProxyWasmHost, Status, type LogLevelName } from "../../scripts/host/index.ts";
import { buildTestFilter, results } from "./build-test-filter.ts";

const source = `
export * from "sdk/abi/exports";
import {
  Action, currentTimeMilliseconds, hostLogLevel, HttpContext, logCritical, logInfo, registerRootContext, RootContext,
} from "sdk/index";
import { decimal } from "sdk/decimal";

function report(name: string, value: string): void {
  logInfo(name + "=" + value);
}

class Root extends RootContext {
  started: i64 = 0;
  ticks: u32 = 0;
  deferDone: bool = false;
  shuttingDown: bool = false;

  onConfigure(size: u32): bool {
    const config = this.getPluginConfiguration()!;
    this.deferDone = config == "defer";
    this.started = currentTimeMilliseconds();
    logCritical("level=" + decimal(hostLogLevel()));
    report("doneOutOfPhase", decimal(this.done()));
    report("setTick", decimal(this.setTickPeriodMilliseconds(100)));
    return true;
  }

  onTick(): void {
    this.ticks++;
    report("tick", decimal(this.ticks) + " at " + decimal(<u32>(currentTimeMilliseconds() - this.started)));
    if (this.shuttingDown) {
      report("done", decimal(this.done()) + " then " + decimal(this.done()));
      this.setTickPeriodMilliseconds(0);
    }
  }

  onDone(): bool {
    this.shuttingDown = true;
    report("onDone", this.deferDone ? "later" : "now");
    return !this.deferDone;
  }

  createHttpContext(id: u32): HttpContext {
    return new Stream(id, this);
  }
}

class Stream extends HttpContext {
  onRequestHeaders(count: u32, endOfStream: bool): Action {
    const period = this.requestHeaders.get("x-tick-ms");
    if (period !== null) report("streamSetTick", decimal(this.parentRoot.setTickPeriodMilliseconds(<u32>parseInt(period))));
    return Action.Continue;
  }
}

registerRootContext((id: u32): RootContext => new Root(id), "timers_test");
`;

let wasm = "";
before(async () => {
  wasm = await buildTestFilter("timers", source);
});

function start(pluginConfiguration = "", logLevel: LogLevelName = "info") {
  return ProxyWasmHost.start({ wasm, rootId: "timers_test", pluginConfiguration, logLevel });
}

function ticks(host: ProxyWasmHost): string[] {
  return host.logs("info").filter((m) => m.startsWith("tick="));
}

test("onTick runs every period of the virtual clock, which currentTimeMilliseconds follows", async () => {
  const host = await start();
  assert.equal(results(host.logs("info")).get("setTick"), `${Status.Ok}`);
  assert.equal(host.tickPeriod(), 100);
  host.advanceClock(99);
  assert.deepEqual(ticks(host), []);
  host.advanceClock(251);
  assert.deepEqual(ticks(host), ["tick=1 at 100", "tick=2 at 200", "tick=3 at 300"]);
  assert.ok(host.tick());
  assert.deepEqual(ticks(host).at(-1), "tick=4 at 400");
});

test("a stream context sets its root's period; 0 stops the timer", async () => {
  const host = await start();
  host.http().request({ headers: { "x-tick-ms": "30" } }).response().complete();
  assert.equal(results(host.logs("info")).get("streamSetTick"), `${Status.Ok}`);
  assert.equal(host.tickPeriod(), 30);
  host.advanceClock(60);
  assert.deepEqual(ticks(host), ["tick=1 at 30", "tick=2 at 60"]);

  host.http().request({ headers: { "x-tick-ms": "0" } }).response().complete();
  assert.equal(host.tickPeriod(), 0);
  assert.equal(host.tick(), false);
  host.advanceClock(1000);
  assert.equal(ticks(host).length, 2);
});

test("done() outside a deferred shutdown is NotFound, not a trap", async () => {
  const host = await start();
  assert.equal(results(host.logs("info")).get("doneOutOfPhase"), `${Status.NotFound}`);
  assert.equal(host.failed, false);
});

test("onDone true lets the host delete the root at once", async () => {
  const host = await start();
  assert.equal(host.shutdown(), true);
  assert.equal(host.rootDone, true);
  assert.equal(results(host.logs("info")).get("onDone"), "now");
});

test("onDone false defers the shutdown until done(); a second done() is NotFound", async () => {
  const host = await start("defer");
  assert.equal(host.shutdown(), false);
  assert.equal(host.rootDone, false);
  assert.deepEqual(host.contextIds(), [host.rootContextId]);
  assert.ok(host.tick());
  assert.equal(results(host.logs("info")).get("done"), `${Status.Ok} then ${Status.NotFound}`);
  assert.equal(host.rootDone, true);
  assert.deepEqual(host.contextIds(), []);
  assert.equal(host.failed, false);
});

test("hostLogLevel() is the host's level, and the SDK does not send messages below it", async () => {
  for (const [level, value] of [["trace", 0], ["debug", 1], ["info", 2], ["warn", 3], ["error", 4]] as const) {
    const calls: string[] = [];
    const host = await ProxyWasmHost.start({
      wasm,
      rootId: "timers_test",
      logLevel: level,
      trace: (line) => void (line.startsWith("[vm->host] env.proxy_log(") && calls.push(line)),
    });
    assert.deepEqual(host.logs("critical", "worker"), [`level=${value}`], level);
    assert.equal(calls.length, value <= 2 ? 3 : 1, `${level}: proxy_log calls`);
  }
});
