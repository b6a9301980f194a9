/**
 * Callouts: proxy_http_call(cluster, ...) goes to the local URL `--cluster name=URL` maps the cluster to,
 * and the answer comes back as proxy_on_http_call_response. Like Envoy's async client: the request keeps the
 * plugin's :authority as Host; a connection failure is a reset (on_http_call_response with no headers);
 * the plugin's timeout answers 504 (the emulator's system clock fires it and announces it with
 * `httpCallDone`, and the request to the cluster is abandoned then, as it is when the plugin shuts down).
 * gRPC callouts are not bridged: they close at once with UNAVAILABLE.
 */
import type { ClientRequest } from "node:http";
import type { GrpcCallout, HttpCallDone, HttpCallout, ProxyWasmHost } from "../host/index.ts";
import { pairValue, rawPairs, wirePairs, flatten } from "./http1.ts";
import type { UpstreamAddress } from "../upstream-address.ts";
import { Endpoint } from "./upstream.ts";

const GRPC_UNAVAILABLE = 14;

export class ClusterMap {
  private readonly endpoints = new Map<string, Endpoint>();
  /** Requests to clusters by callout token, with how to abandon each. */
  private readonly inFlight = new Map<number, { req: ClientRequest; abandon: (reason: "timeout" | "cancelled") => void }>();
  private closed = false;
  private grpcWarned = false;

  constructor(
    clusters: ReadonlyMap<string, URL | UpstreamAddress>,
    private readonly report: (line: string) => void,
    private readonly verbose = false,
  ) {
    for (const [name, url] of clusters) this.endpoints.set(name, new Endpoint(url, 64));
  }

  /** Cluster names for the emulator's `clusters` option: proxy_http_call to any other is BadArgument. */
  get names(): string[] {
    return [...this.endpoints.keys()];
  }

  attach(host: ProxyWasmHost): void {
    host.on("httpCall", (call: HttpCallout) => this.dispatch(host, call));
    host.on("httpCallDone", (done: HttpCallDone) => {
      // Answered by the emulator itself (Envoy's 504) or never to be answered: stop waiting for the cluster.
      if (done.reason === "timeout" || done.reason === "cancelled") this.inFlight.get(done.token)?.abandon(done.reason);
    });
    host.on("grpcCall", (call: GrpcCallout) => {
      if (!this.grpcWarned) this.report("[proxy] gRPC callouts are not supported by `proxy-wasm run`: they fail with UNAVAILABLE");
      this.grpcWarned = true;
      setImmediate(() => {
        try {
          host.closeGrpc(call.token, { status: GRPC_UNAVAILABLE, message: "not supported by proxy-wasm run" });
        } catch {
          // Cancelled by the plugin meanwhile.
        }
      });
    });
  }

  private dispatch(host: ProxyWasmHost, call: HttpCallout): void {
    const endpoint = this.endpoints.get(call.cluster);
    const pending = () => !this.closed && host.pendingHttpCalls().some((c) => c.token === call.token);
    const fail = (why: string) => {
      this.report(`[callout] ${call.cluster}: ${why}`);
      if (pending()) host.failHttpCall(call.token);
    };
    if (!endpoint) {
      setImmediate(() => fail("no --cluster mapping for this cluster"));
      return;
    }
    const method = pairValue(call.headers, ":method") ?? "GET";
    const path = pairValue(call.headers, ":path") ?? "/";
    const started = Date.now();
    const req = endpoint.request({
      method,
      path,
      authority: pairValue(call.headers, ":authority"),
      headers: flatten(wirePairs(call.headers)),
    });
    /** Answered, failed or abandoned: nothing more to do for this callout. */
    let over = false;
    const settle = () => {
      over = true;
      this.inFlight.delete(call.token);
    };
    this.inFlight.set(call.token, {
      req,
      abandon: (reason) => {
        if (over) return;
        settle();
        const why = reason === "timeout" ? `no answer within ${call.timeoutMs} ms: the plugin got Envoy's 504` : "cancelled: the plugin shut down";
        this.report(`[callout] ${call.cluster}: ${method} ${path}: ${why}`);
        req.destroy();
      },
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", () => undefined);
      res.on("end", () => {
        if (over) return;
        settle();
        if (!res.complete) {
          fail(`${method} ${path}: connection closed mid-response`);
          return;
        }
        if (this.verbose) this.report(`[callout] ${call.cluster}: ${method} ${path} → ${res.statusCode} (${Date.now() - started} ms)`);
        if (!pending()) return;
        const trailers = rawPairs(res.rawTrailers);
        host.resolveHttpCall(call.token, {
          headers: [[":status", String(res.statusCode ?? 200)], ...rawPairs(res.rawHeaders)],
          body: Buffer.concat(chunks),
          trailers: trailers.length > 0 ? trailers : undefined,
        });
      });
    });
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (over) return;
      settle();
      fail(`${method} ${path}: ${error.code ?? error.message}`);
    });
    req.end(call.body.length > 0 ? call.body : undefined);
  }

  /** Abandons callouts in flight and closes the connections. */
  close(): void {
    this.closed = true;
    for (const { req } of [...this.inFlight.values()]) req.destroy();
    this.inFlight.clear();
    for (const endpoint of this.endpoints.values()) endpoint.close();
  }
}
