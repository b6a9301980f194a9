/**
 * A local HTTP(S) endpoint the proxy sends requests to: the upstream, or a cluster's URL for callouts.
 * One keep-alive agent per endpoint, destroyed when the proxy stops.
 */
import { Agent as HttpAgent, request as httpRequest, type ClientRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { parseUpstreamAddress, type UpstreamAddress } from "../upstream-address.ts";

export interface EndpointRequest {
  method: string;
  /** The request target (":path"), joined to the endpoint's path prefix. */
  path: string;
  /** Sent as the Host header: Envoy keeps the client's :authority (no host rewrite). */
  authority: string | undefined;
  /** Flat [name, value, ...] wire headers (no Host). */
  headers: string[];
}

export class Endpoint {
  /** Without userinfo: safe to print. */
  readonly url: URL;
  private readonly agent: HttpAgent;
  private readonly secure: boolean;
  /** `Basic …` from the URL's userinfo, sent when a request has no Authorization of its own. */
  private readonly authorization: string | null;

  /** `url` may carry userinfo (http://user:pass@host): it becomes Basic credentials for this endpoint only. */
  constructor(url: URL | UpstreamAddress, maxSockets = 256) {
    const address = url instanceof URL ? addressOf(url) : url;
    this.url = address.url;
    const credentials = address.credentials;
    this.authorization = credentials ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}` : null;
    this.secure = this.url.protocol === "https:";
    this.agent = this.secure ? new HttpsAgent({ keepAlive: true, maxSockets }) : new HttpAgent({ keepAlive: true, maxSockets });
  }

  /** The full path for a request target: the endpoint's path prefix (if any) + the target. */
  target(path: string): string {
    const prefix = this.url.pathname.replace(/\/+$/, "");
    return prefix + (path.startsWith("/") ? path : `/${path}`);
  }

  /** True when requests get Basic credentials from the URL's userinfo. */
  get hasCredentials(): boolean {
    return this.authorization !== null;
  }

  request(r: EndpointRequest): ClientRequest {
    let headers = r.authority ? ["host", r.authority, ...r.headers] : r.headers;
    if (this.authorization !== null && !hasHeader(headers, "authorization")) headers = [...headers, "authorization", this.authorization];
    const options = {
      protocol: this.url.protocol,
      hostname: this.url.hostname.replace(/^\[|\]$/g, ""),
      port: this.url.port || (this.secure ? 443 : 80),
      method: r.method,
      path: this.target(r.path),
      headers,
      setHost: r.authority === undefined,
      agent: this.agent,
    };
    return this.secure ? httpsRequest(options) : httpRequest(options);
  }

  close(): void {
    this.agent.destroy();
  }
}

/** A URL as an address: userinfo taken out as credentials. */
export function addressOf(url: URL | UpstreamAddress): UpstreamAddress {
  if (!(url instanceof URL)) return url;
  if (url.username === "" && url.password === "") {
    const port = url.port !== "" ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
    return { url, host: url.hostname.replace(/^\[|\]$/g, ""), port, credentials: null };
  }
  return parseUpstreamAddress("upstream", url.href);
}

function hasHeader(flat: readonly string[], name: string): boolean {
  for (let i = 0; i < flat.length; i += 2) if (flat[i]!.toLowerCase() === name) return true;
  return false;
}
