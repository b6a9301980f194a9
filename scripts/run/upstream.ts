/**
 * A local HTTP(S) endpoint the proxy sends requests to: the upstream, or a cluster's URL for callouts.
 * One keep-alive agent per endpoint, destroyed when the proxy stops.
 */
import { Agent as HttpAgent, request as httpRequest, type ClientRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";

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
  readonly url: URL;
  private readonly agent: HttpAgent;
  private readonly secure: boolean;

  constructor(url: URL, maxSockets = 256) {
    this.url = url;
    this.secure = url.protocol === "https:";
    this.agent = this.secure ? new HttpsAgent({ keepAlive: true, maxSockets }) : new HttpAgent({ keepAlive: true, maxSockets });
  }

  /** The full path for a request target: the endpoint's path prefix (if any) + the target. */
  target(path: string): string {
    const prefix = this.url.pathname.replace(/\/+$/, "");
    return prefix + (path.startsWith("/") ? path : `/${path}`);
  }

  request(r: EndpointRequest): ClientRequest {
    const headers = r.authority ? ["host", r.authority, ...r.headers] : r.headers;
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
