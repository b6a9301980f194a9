// metrics: Envoy stats for every request that passes the filter (names below for the default prefix).
//   metrics.requests.method.<GET|HEAD|POST|PUT|DELETE|CONNECT|OPTIONS|TRACE|PATCH|OTHER>   counters
//   metrics.responses.class.<1xx|2xx|3xx|4xx|5xx|other>                                     counters
//   metrics.request_body_bytes                                              histogram, one sample per request
//   metrics.active_requests                                                                  gauge
// Configuration: empty, or {"prefix": "shop"} to name them shop.requests.method.GET, ...
// Importing this file registers nothing; main.ts is the build entry.
import { Action, Counter, Gauge, Histogram, HttpContext, lastJsonError, logCritical, parseJsonObject, RootContext } from "../../assembly";

export const METRICS_ROOT_ID = "metrics";

/** Methods counted by name; anything else counts as OTHER, so clients cannot create stats at will. */
const METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"];

export class MetricsRoot extends RootContext {
  requests: Counter = new Counter("metrics.requests");
  responses: Counter = new Counter("metrics.responses");
  requestBodyBytes: Histogram = new Histogram("metrics.request_body_bytes");
  activeRequests: Gauge = new Gauge("metrics.active_requests");

  onConfigure(pluginConfigurationSize: u32): bool {
    const text = this.getPluginConfiguration();
    if (text === null || text.length == 0) return true;
    const json = parseJsonObject(text);
    const prefix = json !== null ? json.getString("prefix") : null;
    if (prefix === null || prefix.length == 0) {
      logCritical("metrics: configuration needs a non-empty string \"prefix\" " + lastJsonError());
      return false;
    }
    this.requests = new Counter(prefix + ".requests");
    this.responses = new Counter(prefix + ".responses");
    this.requestBodyBytes = new Histogram(prefix + ".request_body_bytes");
    this.activeRequests = new Gauge(prefix + ".active_requests");
    return true;
  }

  createHttpContext(contextId: u32): HttpContext {
    return new RequestMetrics(contextId, this);
  }
}

export class RequestMetrics extends HttpContext {
  private bodyBytes: u64 = 0;
  private active: bool = false;

  constructor(id: u32, readonly metrics: MetricsRoot) {
    super(id, metrics);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): Action {
    const method = this.requestHeaders.get(":method");
    const known = method !== null && METHODS.includes(method);
    this.metrics.requests.withTag("method", known ? method! : "OTHER").increment();
    this.metrics.activeRequests.add(1);
    this.active = true;
    return Action.Continue;
  }

  onRequestBody(bodySize: u32, endOfStream: bool): Action {
    this.bodyBytes += bodySize; // one chunk per call, since we never pause
    return Action.Continue;
  }

  onResponseHeaders(headerCount: u32, endOfStream: bool): Action {
    const status = this.responseHeaders.get(":status");
    const first = status !== null && status.length == 3 ? status.charCodeAt(0) : 0;
    const responseClass = first >= 0x31 && first <= 0x35 ? String.fromCharCode(first) + "xx" : "other";
    this.metrics.responses.withTag("class", responseClass).increment();
    return Action.Continue;
  }

  onLog(): void {
    this.metrics.requestBodyBytes.record(this.bodyBytes);
  }

  onDone(): void {
    if (this.active) this.metrics.activeRequests.add(-1);
  }
}
