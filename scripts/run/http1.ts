/**
 * HTTP/1.1 on one side, Envoy's header maps on the other: what the filter sees of a node:http message
 * (lower-cased pairs, pseudo-headers first, the Host header as :authority, no hop-by-hop headers) and
 * how a header map goes back on the wire.
 */
import type { IncomingMessage } from "node:http";
import type { Pairs } from "../host/index.ts";

/** Connection-level headers a proxy never forwards (RFC 9110 §7.6.1), like Envoy's HTTP/1 codec. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
]);

export function isHopByHop(name: string): boolean {
  return HOP_BY_HOP.has(name);
}

/** Lower-cased pairs from node's rawHeaders / rawTrailers, repeated names kept in order. */
export function rawPairs(raw: readonly string[], skip: (name: string) => boolean = isHopByHop): Pairs {
  const pairs: Pairs = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (!skip(name)) pairs.push([name, raw[i + 1]!]);
  }
  return pairs;
}

/**
 * Request headers as Envoy's codec hands them to filters: pseudo-headers first, Host as :authority, an
 * absolute-form target (`curl -x`) split into :authority and :path, no Expect (the proxy answers
 * 100-continue itself, as Envoy does by default).
 */
export function requestPairs(req: IncomingMessage, scheme: string): Pairs {
  const headers = rawPairs(req.rawHeaders, (name) => isHopByHop(name) || name === "host" || name === "expect");
  let authority = req.headers.host ?? "";
  let path = req.url ?? "/";
  if (/^https?:\/\//i.test(path)) {
    try {
      const url = new URL(path);
      authority = url.host;
      path = url.pathname + url.search;
    } catch {
      // Not a URL after all: pass it on as it came.
    }
  }
  return [
    [":authority", authority],
    [":path", path],
    [":method", req.method ?? "GET"],
    [":scheme", scheme],
    ...headers,
  ];
}

/** Response headers with :status first. */
export function responsePairs(res: IncomingMessage): Pairs {
  return [[":status", String(res.statusCode ?? 502)], ...rawPairs(res.rawHeaders)];
}

/** The value of the first pair named `name`, or undefined. */
export function pairValue(pairs: Pairs, name: string): string | undefined {
  for (const [k, v] of pairs) if (k === name) return v;
  return undefined;
}

/** Pairs without pseudo-headers and hop-by-hop headers, and without `drop`. */
export function wirePairs(pairs: Pairs, drop: readonly string[] = []): Pairs {
  return pairs.filter(([k]) => !k.startsWith(":") && !isHopByHop(k) && !drop.includes(k));
}

/** [[k, v], ...] → [k, v, k, v, ...] as node's writeHead / request options accept. */
export function flatten(pairs: Pairs): string[] {
  const out: string[] = [];
  for (const [k, v] of pairs) out.push(k, v);
  return out;
}

/** Trailers as an object for OutgoingMessage.addTrailers (repeated names joined with ", "). */
export function trailerObject(pairs: Pairs): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of pairs) {
    if (k.startsWith(":")) continue;
    out[k] = out[k] === undefined ? v : `${out[k]}, ${v}`;
  }
  return out;
}

/** Does a request with these headers carry a body (RFC 9112 §6.3)? */
export function requestHasBody(req: IncomingMessage): boolean {
  if (req.headers["transfer-encoding"] !== undefined) return true;
  const length = req.headers["content-length"];
  return length !== undefined && length !== "0";
}

/** Does this upstream response carry a body? */
export function responseHasBody(method: string, res: IncomingMessage): boolean {
  const status = res.statusCode ?? 0;
  if (method === "HEAD" || status === 204 || status === 304 || (status >= 100 && status < 200)) return false;
  if (res.headers["transfer-encoding"] !== undefined) return true;
  const length = res.headers["content-length"];
  return length === undefined || length !== "0";
}
