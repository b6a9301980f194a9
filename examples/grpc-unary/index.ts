// grpc-unary: lets requests through only while a gRPC service is healthy, asking it with unary calls of
// the standard health-checking protocol (grpc.health.v1.Health/Check) from the root context on a timer.
//   {"cluster": "backend", "service": "", "period_ms": 5000}   the defaults ("" = the whole server)
// The first check goes out when the plugin is configured; until its answer requests pass. After that,
// an answer other than SERVING, a failed call (including its deadline, one period) or a call Envoy
// refuses gets requests a 503 local reply until a check says SERVING again.
// Importing this file registers nothing; main.ts is the build entry.
import {
  Action,
  dispatchGrpcCall,
  GrpcCallHandler,
  GrpcCallResponse,
  HttpContext,
  lastJsonError,
  logCritical,
  logInfo,
  logWarn,
  parseInteger,
  parseJsonObject,
  RootContext,
  Status,
} from "../../assembly";
import { encodeHealthCheckRequest, readHealthCheckResponse, ServingStatus } from "./health-proto";

export const GRPC_UNARY_ROOT_ID = "grpc_unary";

export class HealthGateRoot extends RootContext {
  cluster: string = "backend";
  service: string = "";
  periodMilliseconds: u32 = 5000;
  /** What the last check said; true until the first answer. */
  serving: bool = true;
  private request: ArrayBuffer = new ArrayBuffer(0);
  private checking: HealthCheck | null = null;

  onConfigure(pluginConfigurationSize: u32): bool {
    const text = this.getPluginConfiguration();
    if (text !== null && text.length > 0) {
      const json = parseJsonObject(text);
      if (json === null) return reject("is not valid JSON: " + lastJsonError());
      const cluster = json.has("cluster") ? json.getString("cluster") : this.cluster;
      const service = json.has("service") ? json.getString("service") : this.service;
      const period = json.has("period_ms") ? parseInteger(json.getRaw("period_ms")) : <i64>this.periodMilliseconds;
      if (cluster === null || cluster.length == 0 || service === null || period <= 0 || period > i32.MAX_VALUE) {
        return reject("needs a non-empty string \"cluster\", a string \"service\" and a positive \"period_ms\"");
      }
      this.cluster = cluster;
      this.service = service;
      this.periodMilliseconds = <u32>period;
    }
    this.request = encodeHealthCheckRequest(this.service);
    this.setTickPeriodMilliseconds(this.periodMilliseconds);
    this.check();
    return true;
  }

  onTick(): void {
    this.check();
  }

  /** Asks once more, unless the previous check is still out (its deadline is one period). */
  check(): void {
    if (this.checking !== null) return;
    const call = new HealthCheck(this);
    const status = dispatchGrpcCall(this.cluster, "grpc.health.v1.Health", "Check", null, this.request, this.periodMilliseconds, call);
    if (status == Status.Ok) this.checking = call;
    else this.update(false, "cannot call cluster " + this.cluster);
  }

  answered(response: GrpcCallResponse): void {
    this.checking = null;
    if (response.failed) {
      this.update(false, "health check failed: " + response.statusMessage);
      return;
    }
    const status = readHealthCheckResponse(response.message!);
    this.update(status == ServingStatus.Serving, status == ServingStatus.NotServing ? "not serving" : "status is not SERVING");
  }

  private update(serving: bool, why: string): void {
    if (serving && !this.serving) logInfo("grpc_unary: serving again");
    if (!serving) logWarn("grpc_unary: refusing requests: " + why);
    this.serving = serving;
  }

  createHttpContext(contextId: u32): HttpContext {
    return new HealthGate(contextId, this);
  }
}

function reject(problem: string): bool {
  logCritical("grpc_unary: configuration " + problem);
  return false;
}

class HealthCheck extends GrpcCallHandler {
  constructor(readonly gate: HealthGateRoot) {
    super(gate);
  }

  onResponse(response: GrpcCallResponse): void {
    this.gate.answered(response);
  }
}

export class HealthGate extends HttpContext {
  constructor(id: u32, readonly gate: HealthGateRoot) {
    super(id, gate);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): Action {
    if (!this.gate.serving) this.sendLocalResponse(503, "service unavailable\n", null, -1, "grpc_health_not_serving");
    return Action.Continue;
  }
}
