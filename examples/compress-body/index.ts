// compress-body: compresses response bodies with the host's `compress` foreign function (Envoy's
// zlib, i.e. the `deflate` content coding) for clients that send `accept-encoding: deflate`.
// No configuration. When the plugin is configured it calls `compress` once to make sure the host has
// it; without it responses pass unchanged. Responses that are already encoded, empty, or gRPC are left
// alone. Importing this file registers nothing; main.ts is the build entry.
import {
  Action,
  callForeignFunction,
  HttpContext,
  lastStatus,
  logError,
  logWarn,
  RootContext,
  Status,
} from "../../assembly";

export const COMPRESS_BODY_ROOT_ID = "compress_body";

export class CompressBodyRoot extends RootContext {
  /** The host has the `compress` foreign function. */
  canCompress: bool = false;

  onConfigure(pluginConfigurationSize: u32): bool {
    this.canCompress = callForeignFunction("compress", new ArrayBuffer(0)) !== null;
    if (!this.canCompress) logWarn(lastStatus() == Status.NotFound ? "compress_body: the host has no compress function" : "compress_body: compress failed");
    return true;
  }

  createHttpContext(contextId: u32): HttpContext {
    return new CompressBody(contextId, this);
  }
}

export class CompressBody extends HttpContext {
  /** The client accepts deflate. */
  accepted: bool = false;
  /** The response headers announced deflate: the body must follow. */
  compressing: bool = false;

  constructor(id: u32, readonly config: CompressBodyRoot) {
    super(id, config);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): Action {
    const acceptEncoding = this.requestHeaders.get("accept-encoding");
    this.accepted = acceptEncoding !== null && acceptsDeflate(acceptEncoding);
    return Action.Continue;
  }

  onResponseHeaders(headerCount: u32, endOfStream: bool): Action {
    if (!this.accepted || endOfStream || !this.config.canCompress) return Action.Continue;
    const headers = this.responseHeaders;
    const contentType = headers.get("content-type");
    if (headers.has("content-encoding") || (contentType !== null && contentType.startsWith("application/grpc"))) return Action.Continue;
    headers.remove("content-length");
    headers.replace("content-encoding", "deflate");
    headers.add("vary", "accept-encoding");
    this.compressing = true;
    return Action.Continue;
  }

  onResponseBody(bodySize: u32, endOfStream: bool): Action {
    if (!this.compressing) return Action.Continue;
    if (!endOfStream) return Action.Pause; // Envoy buffers until the whole body is there
    this.compressBody();
    return Action.Continue;
  }

  onResponseTrailers(trailerCount: u32): Action {
    if (this.compressing) this.compressBody();
    return Action.Continue;
  }

  private compressBody(): void {
    this.compressing = false;
    const body = this.responseBody.getBytes();
    const compressed = body !== null ? callForeignFunction("compress", body) : null;
    if (compressed !== null && this.responseBody.replace(compressed) == Status.Ok) return;
    // The headers already say deflate: better no response than a body that is not what they say.
    logError("compress_body: cannot compress the response body");
    this.closeResponse();
  }
}

/** Whether an Accept-Encoding value lists deflate (or *) without a zero quality ("deflate;q=0"). */
export function acceptsDeflate(value: string): bool {
  // Scanned by hand: toLowerCase() and split() would bring the standard library's case tables along.
  const length = value.length;
  let at = 0;
  while (at < length) {
    while (at < length && isSeparator(value.charCodeAt(at))) at++;
    const start = at;
    while (at < length && !isSeparator(value.charCodeAt(at)) && value.charCodeAt(at) != SEMICOLON) at++;
    const named = isToken(value, start, at, "deflate") || isToken(value, start, at, "*");
    let refused = false;
    while (at < length && value.charCodeAt(at) != COMMA) {
      if ((value.charCodeAt(at) | 0x20) == 0x71 /* q */ && at + 1 < length && value.charCodeAt(at + 1) == 0x3d /* = */) {
        refused = true;
        for (at += 2; at < length && !isSeparator(value.charCodeAt(at)); at++) {
          const c = value.charCodeAt(at);
          if (c != 0x30 && c != 0x2e) refused = false; // not "0", "0.0", "0.000"
        }
      } else {
        at++;
      }
    }
    if (named && !refused) return true;
  }
  return false;
}

const COMMA = 0x2c;
const SEMICOLON = 0x3b;

function isSeparator(c: i32): bool {
  return c == COMMA || c == 0x20 || c == 0x09;
}

/** value[start, end) equals `token` (lower case) ignoring ASCII case. */
function isToken(value: string, start: i32, end: i32, token: string): bool {
  if (end - start != token.length) return false;
  for (let i = 0; i < token.length; i++) {
    if ((value.charCodeAt(start + i) | 0x20) != token.charCodeAt(i)) return false;
  }
  return true;
}
