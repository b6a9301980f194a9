// http-auth: asks an authorization service, through an HTTP callout, whether a request may pass.
//   {"cluster": "auth", "authority": "auth", "path": "/auth", "timeout_ms": 1000,
//    "status_on_error": 403, "user_header": "x-auth-user"}        the defaults (authority: the cluster)
// The request waits (Action.Pause) while the service is asked: GET <path> with the request's
// authorization header, x-original-method and x-original-uri. A 2xx answer lets it continue, with the
// answer's <user_header> copied onto it; any other answer gets a 403 local reply; a call that fails,
// times out (Envoy answers 504), gets a 5xx or cannot be sent gets status_on_error (fail closed).
// Importing this file registers nothing; main.ts is the build entry.
import {
  Action,
  dispatchHttpCall,
  HeaderPair,
  HttpCallHandler,
  HttpCallResponse,
  HttpContext,
  lastJsonError,
  logCritical,
  logWarn,
  parseInteger,
  parseJsonObject,
  RootContext,
  Status,
} from "../../assembly";

export const HTTP_AUTH_ROOT_ID = "http_auth";

export class HttpAuthRoot extends RootContext {
  cluster: string = "auth";
  authority: string = "auth";
  path: string = "/auth";
  timeoutMilliseconds: u32 = 1000;
  statusOnError: u32 = 403;
  userHeader: string = "x-auth-user";

  onConfigure(pluginConfigurationSize: u32): bool {
    const text = this.getPluginConfiguration();
    if (text === null || text.length == 0) return true;
    const json = parseJsonObject(text);
    if (json === null) return reject("is not valid JSON: " + lastJsonError());
    const cluster = json.has("cluster") ? json.getString("cluster") : this.cluster;
    const authority = json.has("authority") ? json.getString("authority") : cluster;
    const path = json.has("path") ? json.getString("path") : this.path;
    const userHeader = json.has("user_header") ? json.getString("user_header") : this.userHeader;
    if (cluster === null || cluster.length == 0 || authority === null || authority.length == 0 || path === null || path.charCodeAt(0) != 0x2f || userHeader === null) {
      return reject("needs non-empty strings \"cluster\" and \"authority\", a \"path\" starting with / and a string \"user_header\"");
    }
    const timeout = json.has("timeout_ms") ? parseInteger(json.getRaw("timeout_ms")) : <i64>this.timeoutMilliseconds;
    const statusOnError = json.has("status_on_error") ? parseInteger(json.getRaw("status_on_error")) : <i64>this.statusOnError;
    if (timeout < 0 || timeout > i32.MAX_VALUE || statusOnError < 200 || statusOnError > 599) {
      return reject("needs \"timeout_ms\" from 0 (none) to 2147483647 and \"status_on_error\" from 200 to 599");
    }
    this.cluster = cluster;
    this.authority = authority;
    this.path = path;
    this.userHeader = userHeader;
    this.timeoutMilliseconds = <u32>timeout;
    this.statusOnError = <u32>statusOnError;
    return true;
  }

  createHttpContext(contextId: u32): HttpContext {
    return new HttpAuth(contextId, this);
  }
}

function reject(problem: string): bool {
  logCritical("http_auth: configuration " + problem);
  return false;
}

export class HttpAuth extends HttpContext {
  constructor(id: u32, readonly config: HttpAuthRoot) {
    super(id, config);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): Action {
    const config = this.config;
    const method = this.requestHeaders.get(":method");
    const uri = this.requestHeaders.get(":path");
    const headers: HeaderPair[] = [
      new HeaderPair(":method", "GET"),
      new HeaderPair(":path", config.path),
      new HeaderPair(":authority", config.authority),
      new HeaderPair("x-original-method", method !== null ? method : ""),
      new HeaderPair("x-original-uri", uri !== null ? uri : ""),
    ];
    const authorization = this.requestHeaders.get("authorization");
    if (authorization !== null) headers.push(new HeaderPair("authorization", authorization));
    if (dispatchHttpCall(config.cluster, headers, "", null, config.timeoutMilliseconds, new AuthorizationCheck(this)) != Status.Ok) {
      logWarn("http_auth: cannot call cluster " + config.cluster);
      this.sendLocalResponse(config.statusOnError, "authorization unavailable\n", null, -1, "http_auth_unavailable");
    }
    return Action.Pause;
  }

  /** The service's answer, while this request is the effective context. */
  decide(answer: HttpCallResponse): void {
    const status = answer.failed ? 0 : answer.statusCode;
    if (status >= 200 && status < 300) {
      const userHeader = this.config.userHeader;
      if (userHeader.length > 0) {
        const user = answer.headers.get(userHeader);
        // The client must not choose the user: drop its own header when the service names none.
        if (user !== null) this.requestHeaders.replace(userHeader, user);
        else this.requestHeaders.remove(userHeader);
      }
      this.continueRequest();
    } else if (status == 0 || status >= 500) {
      logWarn(answer.failed ? "http_auth: authorization call failed: " + answer.failureMessage : "http_auth: authorization service error");
      this.sendLocalResponse(this.config.statusOnError, "authorization unavailable\n", null, -1, "http_auth_unavailable");
    } else {
      this.sendLocalResponse(403, "access denied\n", null, -1, "http_auth_denied");
    }
  }
}

class AuthorizationCheck extends HttpCallHandler {
  constructor(readonly request: HttpAuth) {
    super(request);
  }

  onResponse(response: HttpCallResponse): void {
    this.request.decide(response);
  }
}
