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

/**
 * The configured replacements: the UTF-8 texts of each one's `from` and `to`, one after another in one
 * buffer, and where each text ends. Two objects however many replacements there are.
 */
export class Replacements {
  constructor(
    readonly count: i32 = 0,
    private readonly texts: ArrayBuffer = new ArrayBuffer(0),
    /** Replacement i's `from` is texts[ends[2i - 1], ends[2i]) and its `to` texts[ends[2i], ends[2i + 1]), with ends[-1] = 0. */
    private readonly ends: StaticArray<u32> = new StaticArray<u32>(0),
  ) {}

  fromOf(i: i32): usize {
    return changetype<usize>(this.texts) + <usize>(i > 0 ? unchecked(this.ends[2 * i - 1]) : 0);
  }

  toOf(i: i32): usize {
    return changetype<usize>(this.texts) + <usize>unchecked(this.ends[2 * i]);
  }

  /** One past the end of replacement i's `to`. */
  endOf(i: i32): usize {
    return changetype<usize>(this.texts) + <usize>unchecked(this.ends[2 * i + 1]);
  }
}

export class BodyRewriteRoot extends RootContext {
  replacements: Replacements = new Replacements();

  onConfigure(pluginConfigurationSize: u32): bool {
    const bytes = this.getPluginConfigurationBytes();
    const text = bytes !== null ? bytes : new ArrayBuffer(0);
    const json = parseJsonObjectBytes(text);
    if (json === null) return this.reject("is not a JSON object: " + lastJsonError());
    const list = json.getArray("replacements");
    if (list === null || list.length == 0) return this.reject("needs \"replacements\": [{\"from\": ..., \"to\": ...}]");
    const count = list.length;
    // A document's strings, decoded, never take more bytes than its text.
    const texts = new ArrayBuffer(text.byteLength);
    const ends = new StaticArray<u32>(2 * count);
    const replacement = new JsonObject(); // moved from element to element
    let written = 0;
    let nextEnd = changetype<usize>(ends); // written directly: StaticArray's setter is a call a time
    for (let i = 0; i < count; i++) {
      const fromSize = list.readObject(i, replacement) ? replacement.copyStringBytes("from", texts, written) : -1;
      const toSize = fromSize > 0 ? replacement.copyStringBytes("to", texts, written + fromSize) : -1;
      if (toSize < 0) return this.reject("replacement " + list.getRaw(i)! + " needs a non-empty \"from\" and a \"to\"");
      store<u32>(nextEnd, written + fromSize);
      written += fromSize + toSize;
      store<u32>(nextEnd, written, 4);
      nextEnd += 8;
    }
    this.replacements = new Replacements(count, texts.slice(0, written), ends);
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
    for (let i = 0; i < replacements.count; i++) {
      const from = replacements.fromOf(i);
      const to = replacements.toOf(i);
      const replaced = replaceAll(body, size, from, to - from, to, replacements.endOf(i) - to, next);
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
