/**
 * Redirect layer, above the auth layer: each hop is a separate exchange, so the auth layer sees the
 * origin that really answered and never answers a challenge a redirect target sent with the
 * registry's credentials. GET and HEAD follow 301/302/303/307/308 (at most 5 hops); other methods
 * follow only 303 (as GET). An `Authorization` the caller set is dropped when the origin changes.
 */
import { withoutHeader, type Transport } from "./http.ts";

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_HOPS = 5;

export function withRedirects(next: Transport): Transport {
  return async (request) => {
    let current = request;
    for (let hop = 0; ; hop++) {
      const response = await next(current);
      const location = response.headers.get("location");
      if (!REDIRECTS.has(response.status) || location === null || hop >= MAX_HOPS) return response;
      const method = current.method;
      if (method !== "GET" && method !== "HEAD" && response.status !== 303) return response;
      let target: URL;
      try {
        target = new URL(location, current.url);
      } catch {
        return response;
      }
      if (target.protocol !== "http:" && target.protocol !== "https:") return response;
      const headers = target.origin === current.url.origin ? current.headers : withoutHeader(current.headers, "authorization");
      const { body: _body, ...rest } = current;
      current =
        response.status === 303 && method !== "HEAD"
          ? { ...rest, method: "GET", url: target, ...(headers ? { headers } : {}) }
          : { ...current, url: target, ...(headers ? { headers } : {}) };
    }
  };
}
