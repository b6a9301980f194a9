// body-rewrite: replaces text in response bodies. Configuration:
//   {"replacements": [{"from": "cat", "to": "dog"}, {"from": "colour", "to": "color"}]}
// Replacements apply in order, each to the result of the previous one. Bodies are buffered whole
// (Action.Pause until the end of the stream), so a match may span the chunks the upstream sent; the
// body is read where the host wrote it and the result written from memory reused for every stream.
// content-length is removed from responses that may change; compressed responses pass untouched.
// Importing this file registers nothing; main.ts is the build entry.
import { Action, HttpContext, JsonObject, lastJsonError, logCritical, parseJsonObjectBytes, RootContext } from "../../assembly";
import { Block, replaceAll } from "./replace";

export const BODY_REWRITE_ROOT_ID = "body_rewrite";

/** One configured replacement, as UTF-8 bytes. */
export class Replacement {
  constructor(readonly from: ArrayBuffer, readonly to: ArrayBuffer) {}
}

export class BodyRewriteRoot extends RootContext {
  replacements: Replacement[] = [];

  onConfigure(pluginConfigurationSize: u32): bool {
    const bytes = this.getPluginConfigurationBytes();
    const json = parseJsonObjectBytes(bytes !== null ? bytes : new ArrayBuffer(0));
    if (json === null) return this.reject("is not a JSON object: " + lastJsonError());
    const list = json.getArray("replacements");
    if (list === null || list.length == 0) return this.reject("needs \"replacements\": [{\"from\": ..., \"to\": ...}]");
    const replacements = new Array<Replacement>(list.length);
    const replacement = new JsonObject(); // moved from element to element
    for (let i = 0; i < list.length; i++) {
      const isObject = list.readObject(i, replacement);
      const from = isObject ? replacement.getStringBytes("from") : null;
      const to = isObject ? replacement.getStringBytes("to") : null;
      if (from === null || from.byteLength == 0 || to === null) return this.reject("replacement " + list.getRaw(i)! + " needs a non-empty \"from\" and a \"to\"");
      replacements[i] = new Replacement(from, to);
    }
    this.replacements = replacements;
    return true;
  }

  createHttpContext(contextId: u32): HttpContext {
    return new BodyRewrite(contextId, this);
  }

  private reject(problem: string): bool {
    logCritical("body_rewrite: configuration " + problem);
    return false;
  }
}

export class BodyRewrite extends HttpContext {
  /** The response has a body we buffer and rewrite at its end. */
  private rewriting: bool = false;

  constructor(id: u32, readonly config: BodyRewriteRoot) {
    super(id, config);
  }

  onResponseHeaders(headerCount: u32, endOfStream: bool): Action {
    if (endOfStream) return Action.Continue;
    const encoding = this.responseHeaders.get("content-encoding");
    if (encoding !== null && encoding != "identity") return Action.Continue;
    // The headers leave before the body is seen, so the new length cannot be known here. Without
    // content-length Envoy frames the body itself (chunked for HTTP/1.1, end of stream for HTTP/2).
    this.responseHeaders.remove("content-length");
    this.rewriting = true;
    return Action.Continue;
  }

  onResponseBody(bodySize: u32, endOfStream: bool): Action {
    if (!this.rewriting) return Action.Continue;
    if (!endOfStream) return Action.Pause; // Envoy keeps buffering; the next call sees the whole body so far
    this.rewrite(bodySize);
    return Action.Continue;
  }

  /** A response with trailers ends here instead: the buffered body is still readable and writable. */
  onResponseTrailers(trailerCount: u32): Action {
    if (this.rewriting) this.rewrite(<u32>max(this.responseBody.length(), 0));
    return Action.Continue;
  }

  /** Reads the body where the host wrote it; each replacement writes to the other of two reused blocks. */
  private rewrite(bodySize: u32): void {
    this.rewriting = false;
    const original = this.responseBody.view(0, bodySize);
    if (original === null) return;
    let body = original.pointer;
    let size = <usize>original.length;
    let next = firstBlock;
    const replacements = this.config.replacements;
    for (let i = 0; i < replacements.length; i++) {
      const replaced = replaceAll(body, size, replacements[i].from, replacements[i].to, next);
      if (replaced < 0) continue;
      body = next.pointer;
      size = <usize>replaced;
      next = next === firstBlock ? secondBlock : firstBlock;
    }
    if (body != original.pointer) this.responseBody.replaceFrom(body, size);
    original.release();
  }
}

// The results of the replacements, shared by all streams (one body is rewritten at a time).
const firstBlock = new Block();
const secondBlock = new Block();
