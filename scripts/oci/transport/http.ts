/**
 * The bottom transport: one HTTP exchange on Node's global fetch, bounded in time and bytes.
 *  - A stall timer (default 30 s) fails an exchange when no byte moves in either direction for that
 *    long: while sending, while waiting for headers, and between body chunks. It is not a limit on the
 *    whole transfer, so a large blob on a slow link still arrives.
 *  - `Accept-Encoding: identity`; a streamed body that arrives encoded anyway is refused (a small
 *    gzip body can inflate without bound). Bodies read into memory are capped (`readBody`, and error
 *    bodies at LIMITS.errorBodyBytes, read only to quote the registry's first error).
 *  - Redirects are not followed here (redirect.ts does that above the auth layer, so a challenge is
 *    only ever answered for the origin that sent it).
 */
import { NetworkError, OciError } from "../errors.ts";
import { concatChunks, type ByteStream } from "../content.ts";
import { LIMITS, TIMEOUTS } from "../limits.ts";
import { printable, type SecretSet } from "../secrets.ts";

/** A request body that can be sent again (a retry opens it anew). */
export interface RequestBody {
  size: number;
  open(): ByteStream;
}

export interface HttpRequest {
  method: "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: URL;
  headers?: Record<string, string>;
  body?: Uint8Array | RequestBody;
  /** Token scopes this request needs (`repository:<name>:pull[,push]`), for the auth layer. */
  scopes?: readonly string[];
  /**
   * False when repeating the exchange after a dropped connection is pointless (a blob PUT into a
   * half-written upload session: the caller starts a new session instead). Default true.
   */
  retryOnNetworkError?: boolean;
  /** Read a 2xx body within the exchange (so the retry layer sees a drop), refusing more than `limit` bytes. */
  readBody?: { limit: number; what: string };
}

export interface HttpResponse {
  status: number;
  statusText: string;
  headers: Headers;
  url: URL;
  /** The body, when read within the exchange: `readBody` requests, and error statuses (at most 4 KiB). */
  body?: Uint8Array;
  /** The unread body of any other response, as chunks (readable once; each read is under the stall timer). */
  stream(): ByteStream;
  /** Drops an unread body. */
  discard(): Promise<void>;
}

export type Transport = (request: HttpRequest) => Promise<HttpResponse>;

export interface FetchTransportOptions {
  /** Longest pause without a byte in either direction (default 30 s). */
  stallTimeoutMs?: number;
  userAgent?: string;
  /** Logs one line per exchange (method, origin+path, status), never headers or query strings. */
  debug?: (line: string) => void;
  /** Scrubbed from debug lines (a path can echo anything a registry put into a Location). */
  secrets?: SecretSet;
}

const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);

/** Aborts an exchange when armed for longer than `ms` without being re-armed or cleared. */
class StallTimer {
  private timer: NodeJS.Timeout | undefined;
  readonly controller = new AbortController();
  readonly reason: NetworkError;
  constructor(
    private readonly ms: number,
    host: string,
  ) {
    this.reason = new NetworkError(`no data from ${host} for ${formatSeconds(ms)}`, true, "timeout");
  }
  arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.controller.abort(this.reason), this.ms);
  }
  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
  get fired(): boolean {
    return this.controller.signal.aborted;
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

export function fetchTransport(options: FetchTransportOptions = {}): Transport {
  const stallMs = options.stallTimeoutMs ?? TIMEOUTS.stallMs;
  return async (request) => {
    const url = request.url;
    const headers: Record<string, string> = { ...request.headers };
    if (options.userAgent && !hasHeader(headers, "user-agent")) headers["User-Agent"] = options.userAgent;
    if (!hasHeader(headers, "accept-encoding")) headers["Accept-Encoding"] = "identity";
    const stall = new StallTimer(stallMs, url.host);
    const init: RequestInit & { duplex?: "half" } = { method: request.method, headers, redirect: "manual", signal: stall.controller.signal };
    const body = request.body;
    if (body instanceof Uint8Array) {
      init.body = body as unknown as BodyInit;
    } else if (body !== undefined) {
      init.body = uploadStream(body.open(), stall);
      init.duplex = "half";
      headers["Content-Length"] = String(body.size);
      // With any other redirect mode, fetch clones the request, teeing the body stream: the unread
      // branch would keep every byte of the upload in memory. A streamed upload is never redirected.
      init.redirect = "error";
    }
    const where = () => printable(describeUrl(url), options.secrets, 500);
    let response: Response;
    stall.arm();
    try {
      response = await fetch(url, init);
    } catch (error) {
      stall.clear();
      const failure = stall.fired ? stall.reason : networkError(url, error);
      options.debug?.(`${request.method} ${where()} -> ${failure.message}`);
      throw failure;
    }
    stall.clear();
    options.debug?.(`${request.method} ${where()} -> ${response.status}`);
    const result = wrap(response, url, stall);
    if (request.method === "HEAD" || NULL_BODY_STATUS.has(response.status) || response.body === null) {
      await result.discard();
      return result;
    }
    if (response.status >= 300 && response.status < 400) {
      await result.discard();
      return result;
    }
    if (response.status >= 400) {
      result.body = await readCapped(result.stream(), LIMITS.errorBodyBytes);
      return result;
    }
    if (request.readBody) {
      const declared = Number(response.headers.get("content-length") ?? "NaN");
      if (declared > request.readBody.limit) {
        await result.discard();
        throw new OciError(`${request.readBody.what} is ${declared} bytes, more than the limit of ${request.readBody.limit}`, "too-large");
      }
      result.body = await readLimited(result.stream(), request.readBody.limit, request.readBody.what);
      return result;
    }
    const encoding = response.headers.get("content-encoding");
    if (encoding && encoding.toLowerCase() !== "identity") {
      await result.discard();
      throw new OciError(
        `${url.host} sent an encoded body (Content-Encoding: ${printable(encoding, options.secrets, 40)}) for ${where()} although we asked for identity`,
        "invalid-content",
      );
    }
    return result;
  };
}

function wrap(response: Response, url: URL, stall: StallTimer): HttpResponse {
  let taken = false;
  const take = (): ReadableStreamDefaultReader<Uint8Array> | undefined => {
    if (taken || response.body === null) return undefined;
    taken = true;
    return response.body.getReader();
  };
  return {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
    url,
    stream: () => bodyChunks(take(), stall, url),
    discard: async () => {
      const reader = take();
      if (reader) await reader.cancel().catch(() => {});
    },
  };
}

async function* bodyChunks(reader: ReadableStreamDefaultReader<Uint8Array> | undefined, stall: StallTimer, url: URL): ByteStream {
  if (!reader) return;
  let done = false;
  try {
    for (;;) {
      stall.arm();
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (error) {
        if (stall.fired) throw stall.reason;
        const failure = networkError(url, error);
        throw new NetworkError(`connection to ${url.host} failed while reading the response: ${failure.message.replace(/^cannot reach [^:]+(?::[0-9]+)?: /, "")}`, true);
      } finally {
        stall.clear();
      }
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!done) await reader.cancel().catch(() => {});
  }
}

/** Our stream as a fetch body; each chunk pulled re-arms the stall timer. */
function uploadStream(source: ByteStream, stall: StallTimer): ReadableStream<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      stall.arm();
      const next = await iterator.next();
      stall.arm();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

/** At most `limit` bytes of a stream; the rest is dropped unread. */
async function readCapped(stream: ByteStream, limit: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      const room = limit - total;
      chunks.push(chunk.byteLength > room ? chunk.subarray(0, room) : chunk);
      total += Math.min(room, chunk.byteLength);
      if (total >= limit) break;
    }
  } catch {
    // an error body that breaks off is still an error body
  }
  return concatChunks(chunks, total);
}

async function readLimited(stream: ByteStream, limit: number, what: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.byteLength;
    if (total > limit) throw new OciError(`${what} is larger than the limit of ${limit} bytes`, "too-large");
    chunks.push(chunk);
  }
  return concatChunks(chunks, total);
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

export function withoutHeader(headers: Record<string, string> | undefined, name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([key]) => key.toLowerCase() !== name));
}

/** Origin and path only: query strings may carry upload state or pre-signed credentials. */
export function describeUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/** The body of a response read within the exchange, as text (empty if none). */
export function bodyText(response: HttpResponse): string {
  return response.body ? new TextDecoder().decode(response.body) : "";
}

const TRANSIENT: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  EPIPE: "connection closed while sending",
  EAI_AGAIN: "host name lookup failed",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  UND_ERR_SOCKET: "connection closed by the other side",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
  UND_ERR_HEADERS_TIMEOUT: "no response headers in time",
  UND_ERR_BODY_TIMEOUT: "response body stalled",
};

const PERMANENT: Record<string, [string, "network" | "plain-http-server" | "tls-untrusted"]> = {
  ENOTFOUND: ["host not found", "network"],
  ERR_SSL_WRONG_VERSION_NUMBER: ["TLS handshake failed", "plain-http-server"],
  ERR_SSL_PACKET_LENGTH_TOO_LONG: ["TLS handshake failed", "plain-http-server"],
  EPROTO: ["TLS handshake failed", "plain-http-server"],
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: ["TLS certificate not trusted", "tls-untrusted"],
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: ["TLS certificate not trusted", "tls-untrusted"],
  SELF_SIGNED_CERT_IN_CHAIN: ["TLS certificate not trusted", "tls-untrusted"],
  DEPTH_ZERO_SELF_SIGNED_CERT: ["TLS certificate is self-signed", "tls-untrusted"],
  CERT_HAS_EXPIRED: ["TLS certificate has expired", "network"],
  ERR_TLS_CERT_ALTNAME_INVALID: ["TLS certificate does not name this host", "network"],
};

/** A NetworkError for a fetch failure, from the error's cause code (never its full text). */
export function networkError(url: URL, error: unknown): NetworkError {
  const err = error as { name?: string; cause?: { code?: string; name?: string; message?: string } } | null;
  const reach = (reason: string, transient: boolean, kind: NetworkError["kind"] = "network") =>
    new NetworkError(`cannot reach ${url.host}: ${reason}`, transient, kind);
  if (err instanceof NetworkError) return err;
  if (err?.name === "TimeoutError" || err?.cause?.name === "TimeoutError") return reach("timed out", true, "timeout");
  if (err?.name === "AbortError") return reach("aborted", false);
  const code = err?.cause?.code;
  if (code && TRANSIENT[code]) return reach(`${TRANSIENT[code]} (${code})`, true);
  if (code && PERMANENT[code]) {
    const [text, kind] = PERMANENT[code];
    return reach(`${text} (${code})`, false, kind);
  }
  if (err?.cause?.message === "bad port") return reach('fetch refuses this port (a blocked "bad port")', false);
  if (err?.cause?.name === "HTTPParserError") return reach("malformed HTTP response", false, "https-required");
  if (code && /^[A-Z0-9_]{2,40}$/.test(code)) return reach(code, true);
  return reach("connection failed", true);
}
