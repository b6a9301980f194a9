/**
 * The bottom transport: one HTTP exchange on Node's global fetch. Redirects are followed here by hand
 * (GET/HEAD only) so that `Authorization` is dropped whenever the origin changes. Response bodies are
 * read here in full (registry payloads are small; modules are at most a few MiB), so a connection that
 * drops mid-body is a NetworkError the retry layer sees like any other. Layers (retry.ts, auth.ts) wrap
 * a Transport.
 */
import { NetworkError } from "../errors.ts";

export interface HttpRequest {
  method: "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";
  url: URL;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Token scopes this request needs (`repository:<name>:pull[,push]`), for the auth layer. */
  scopes?: readonly string[];
  /** Called while the body is sent (only set for large uploads; sends it as a stream). */
  onUploadProgress?: (sentBytes: number) => void;
  /**
   * False when repeating the exchange after a dropped connection is pointless (a blob PUT into a
   * half-written upload session: the caller starts a new session instead). Default true.
   */
  retryOnNetworkError?: boolean;
  /** Called while the response body arrives. */
  onDownloadProgress?: (receivedBytes: number) => void;
}

export type Transport = (request: HttpRequest) => Promise<Response>;

export interface FetchTransportOptions {
  /** Per-exchange time limit, including reading the body (default 300 s). */
  timeoutMs?: number;
  userAgent?: string;
  /** Logs one line per exchange (method, origin+path, status), never headers or query strings. */
  debug?: (line: string) => void;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;
const UPLOAD_CHUNK = 256 * 1024;

export function fetchTransport(options: FetchTransportOptions = {}): Transport {
  const timeoutMs = options.timeoutMs ?? 300_000;
  return async (request) => {
    let url = request.url;
    let method = request.method;
    let headers: Record<string, string> = { ...request.headers };
    if (options.userAgent && !hasHeader(headers, "user-agent")) headers["User-Agent"] = options.userAgent;
    let body = request.body;
    for (let hop = 0; ; hop++) {
      const init: RequestInit & { duplex?: "half" } = { method, headers, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) };
      if (body !== undefined) {
        if (request.onUploadProgress) {
          init.body = progressStream(body, request.onUploadProgress);
          init.duplex = "half";
          headers = { ...headers, "Content-Length": String(body.byteLength) };
          init.headers = headers;
        } else {
          init.body = body as unknown as BodyInit;
        }
      }
      let response: Response;
      try {
        response = await fetch(url, init);
      } catch (error) {
        const failure = describeNetworkFailure(error);
        options.debug?.(`${method} ${describeUrl(url)} -> ${failure.reason}`);
        throw new NetworkError(`cannot reach ${url.host}: ${failure.reason}`, failure.transient);
      }
      options.debug?.(`${method} ${describeUrl(url)} -> ${response.status}`);
      const location = response.headers.get("location");
      if (!REDIRECTS.has(response.status) || location === null || hop >= MAX_REDIRECTS) {
        return await buffered(response, method, url, request.onDownloadProgress);
      }
      if (method !== "GET" && method !== "HEAD" && response.status !== 303) return response;
      await discard(response);
      const next = new URL(location, url);
      if (next.origin !== url.origin) headers = withoutHeader(headers, "authorization");
      if (response.status === 303 && method !== "HEAD") {
        method = "GET";
        body = undefined;
      }
      url = next;
    }
  };
}

function progressStream(body: Uint8Array, onProgress: (sent: number) => void): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= body.byteLength) {
        controller.close();
        return;
      }
      const chunk = body.subarray(offset, offset + UPLOAD_CHUNK);
      offset += chunk.byteLength;
      controller.enqueue(chunk);
      onProgress(offset);
    },
  });
}

const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);

/** The same response with its body already read (a failure while reading is a NetworkError). */
async function buffered(response: Response, method: string, url: URL, onProgress?: (received: number) => void): Promise<Response> {
  const init = { status: response.status, statusText: response.statusText, headers: response.headers };
  if (method === "HEAD" || NULL_BODY_STATUS.has(response.status) || response.body === null) {
    await discard(response);
    return withUrl(new Response(null, init), url);
  }
  const chunks: Uint8Array[] = [];
  let received = 0;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      chunks.push(chunk);
      received += chunk.byteLength;
      onProgress?.(received);
    }
  } catch (error) {
    throw new NetworkError(`connection to ${url.host} failed while reading the response: ${describeNetworkFailure(error).reason}`);
  }
  const body = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return withUrl(new Response(body, init), url);
}

/** A constructed Response has an empty `url`; keep the final one so relative Locations resolve. */
function withUrl(response: Response, url: URL): Response {
  Object.defineProperty(response, "url", { value: url.href });
  return response;
}

/** Reads and drops a response body so the connection can be reused. */
export async function discard(response: Response): Promise<void> {
  try {
    await response.arrayBuffer();
  } catch {
    // the body is of no interest; a broken one is harmless here
  }
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

function withoutHeader(headers: Record<string, string>, name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([key]) => key.toLowerCase() !== name));
}

/** Origin and path only: query strings may carry upload state or pre-signed credentials. */
export function describeUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
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

const PLAIN_HTTP_HINT = "; is it a plain-HTTP registry? try --plain-http";
const CERT_HINT = "; trust its CA with NODE_EXTRA_CA_CERTS=<ca.pem>";

const PERMANENT: Record<string, string> = {
  ENOTFOUND: "host not found",
  ERR_SSL_WRONG_VERSION_NUMBER: `TLS handshake failed${PLAIN_HTTP_HINT}`,
  ERR_SSL_PACKET_LENGTH_TOO_LONG: `TLS handshake failed${PLAIN_HTTP_HINT}`,
  EPROTO: `TLS handshake failed${PLAIN_HTTP_HINT}`,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: `TLS certificate not trusted${CERT_HINT}`,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: `TLS certificate not trusted${CERT_HINT}`,
  SELF_SIGNED_CERT_IN_CHAIN: `TLS certificate not trusted${CERT_HINT}`,
  DEPTH_ZERO_SELF_SIGNED_CERT: `TLS certificate is self-signed${CERT_HINT}`,
  CERT_HAS_EXPIRED: "TLS certificate has expired",
  ERR_TLS_CERT_ALTNAME_INVALID: "TLS certificate does not name this host",
};

/** A short reason for a fetch failure from the error's cause (never its full text), and whether to retry. */
export function describeNetworkFailure(error: unknown): { reason: string; transient: boolean } {
  const err = error as { name?: string; cause?: { code?: string; name?: string; message?: string } } | null;
  if (err?.name === "TimeoutError" || err?.cause?.name === "TimeoutError") return { reason: "timed out", transient: true };
  if (err?.name === "AbortError") return { reason: "aborted", transient: false };
  const code = err?.cause?.code;
  if (code && TRANSIENT[code]) return { reason: `${TRANSIENT[code]} (${code})`, transient: true };
  if (code && PERMANENT[code]) {
    const text = PERMANENT[code];
    const cut = text.indexOf(";");
    return { reason: cut < 0 ? `${text} (${code})` : `${text.slice(0, cut)} (${code})${text.slice(cut)}`, transient: false };
  }
  if (err?.cause?.message === "bad port") return { reason: "fetch refuses this port (a blocked \"bad port\")", transient: false };
  if (err?.cause?.name === "HTTPParserError") {
    return { reason: "malformed HTTP response; is it an HTTPS registry? try --no-plain-http", transient: false };
  }
  if (code) return { reason: code, transient: true };
  return { reason: "connection failed", transient: true };
}
