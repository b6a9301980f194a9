// rate-limit: a fixed-window limit on the requests of all workers together, kept in shared data.
//   {"requests_per_window": 100, "window_seconds": 60}   the defaults; both must be positive integers
// Each request counts itself in the current window with a compare-and-swap update; over the limit it
// gets a 429 local reply with retry-after (seconds until the next window). Windows follow the host's
// clock (the emulator's virtual clock in tests). Importing this file registers nothing; main.ts is the build entry.
import {
  Action,
  currentTimeNanoseconds,
  HeaderPair,
  HttpContext,
  lastJsonError,
  logCritical,
  logWarn,
  parseInteger,
  parseJsonObject,
  RootContext,
  SharedDataUpdate,
  SharedValue,
  Status,
  updateSharedData,
} from "../../assembly";

export const RATE_LIMIT_ROOT_ID = "rate_limit";

/** The shared-data key: window number (u64) and requests counted in it (u32), little-endian. */
export const WINDOW_KEY = "rate_limit.window";

export class RateLimitRoot extends RootContext {
  requestsPerWindow: u32 = 100;
  windowSeconds: u64 = 60;

  onConfigure(pluginConfigurationSize: u32): bool {
    const text = this.getPluginConfiguration();
    if (text === null || text.length == 0) return true;
    const json = parseJsonObject(text);
    if (json === null) return reject("is not valid JSON: " + lastJsonError());
    const limit = json.has("requests_per_window") ? parseInteger(json.getRaw("requests_per_window")) : <i64>this.requestsPerWindow;
    const window = json.has("window_seconds") ? parseInteger(json.getRaw("window_seconds")) : <i64>this.windowSeconds;
    if (limit <= 0 || limit > <i64>u32.MAX_VALUE || window <= 0) return reject("needs positive integers \"requests_per_window\" and \"window_seconds\"");
    this.requestsPerWindow = <u32>limit;
    this.windowSeconds = <u64>window;
    return true;
  }

  createHttpContext(contextId: u32): HttpContext {
    return new RateLimit(contextId, this);
  }
}

function reject(problem: string): bool {
  logCritical("rate_limit: configuration " + problem);
  return false;
}

/** Counts one request in the current window unless the window is full. May run again after a CasMismatch. */
class CountRequest extends SharedDataUpdate {
  allowed: bool = false;

  constructor(readonly limit: u32, readonly window: u64) {
    super();
  }

  update(current: SharedValue | null): ArrayBuffer | null {
    let count: u32 = 0;
    if (current !== null && current.value.byteLength == 12) {
      const stored = new DataView(current.value);
      if (stored.getUint64(0, true) == this.window) count = stored.getUint32(8, true);
    }
    this.allowed = count < this.limit;
    if (!this.allowed) return null;
    const next = new ArrayBuffer(12);
    const view = new DataView(next);
    view.setUint64(0, this.window, true);
    view.setUint32(8, count + 1, true);
    return next;
  }
}

export class RateLimit extends HttpContext {
  constructor(id: u32, readonly config: RateLimitRoot) {
    super(id, config);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): Action {
    const now = <u64>currentTimeNanoseconds() / 1_000_000_000;
    const window = now / this.config.windowSeconds;
    const count = new CountRequest(this.config.requestsPerWindow, window);
    const status = updateSharedData(WINDOW_KEY, count);
    if (status != Status.Ok) {
      logWarn("rate_limit: shared data update failed with status " + (<i32>status).toString() + "; letting the request through");
      return Action.Continue;
    }
    if (count.allowed) return Action.Continue;
    const retryAfter = (window + 1) * this.config.windowSeconds - now;
    this.sendLocalResponse(429, "rate limited\n", [new HeaderPair("retry-after", retryAfter.toString())], -1, "rate_limited");
    return Action.Pause;
  }
}
