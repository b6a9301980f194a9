/**
 * A fault-injecting HTTP proxy on loopback in front of a registry. It forwards requests unchanged
 * (including `Host`, so the registry's absolute `Location`s point back at the proxy), records every
 * request (method, path, request body bytes, status), and applies scripted faults to matching
 * requests: a canned status (500, 429 + Retry-After, ...), a connection dropped halfway through the
 * request body (half of it forwarded), or a response body with one byte flipped.
 */
import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ProxiedRequest {
  method: string;
  path: string;
  /** Request body bytes the proxy received. */
  bodyBytes: number;
  /** The request's Accept and Content-Type headers (nothing else is recorded). */
  accept?: string;
  contentType?: string;
  status?: number;
  fault?: string;
}

export type FaultAction =
  | { kind: "respond"; status: number; headers?: Record<string, string>; body?: string }
  | { kind: "drop-mid-body" }
  | { kind: "corrupt-response" };

export interface Fault {
  method?: string;
  /** Matches the path (query included). */
  path: RegExp;
  /** How many matching requests get the fault (default 1). */
  times?: number;
  action: FaultAction;
}

export interface FaultProxy {
  host: string;
  url: string;
  requests: ProxiedRequest[];
  addFault(fault: Fault): void;
  clearFaults(): void;
  /** Requests to blob upload sessions (`/blobs/uploads/`) since the start (or a reset). */
  blobUploads(): ProxiedRequest[];
  /** Body bytes sent to blob upload sessions since the start (or a reset). */
  uploadedBytes(): number;
  reset(): void;
  stop(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const [targetHost, targetPort] = target.split(":") as [string, string];
  const agent = new Agent({ keepAlive: false });
  const faults: Array<Fault & { left: number }> = [];
  const requests: ProxiedRequest[] = [];

  const forward = (req: IncomingMessage, res: ServerResponse, record: ProxiedRequest, transform?: (body: Buffer) => Buffer) => {
    const upstream = httpRequest(
      { host: targetHost, port: Number(targetPort), method: req.method, path: req.url, headers: req.headers, agent },
      (response) => {
        record.status = response.statusCode;
        if (!transform) {
          res.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        response.on("data", (c: Buffer) => chunks.push(c));
        response.on("end", () => {
          const body = transform(Buffer.concat(chunks));
          res.writeHead(response.statusCode ?? 502, { ...response.headers, "content-length": String(body.length) });
          res.end(body);
        });
      },
    );
    upstream.on("error", () => res.destroy());
    req.on("data", (c: Buffer) => {
      record.bodyBytes += c.length;
    });
    req.pipe(upstream);
  };

  const server: Server = createServer((req, res) => {
    const record: ProxiedRequest = { method: req.method ?? "", path: req.url ?? "", bodyBytes: 0 };
    if (req.headers.accept) record.accept = req.headers.accept;
    if (req.headers["content-type"]) record.contentType = req.headers["content-type"];
    requests.push(record);
    const fault = faults.find((f) => f.left > 0 && (!f.method || f.method === req.method) && f.path.test(req.url ?? ""));
    if (!fault) return forward(req, res, record);
    fault.left--;
    const action = fault.action;
    record.fault = action.kind;
    if (action.kind === "respond") {
      req.on("data", (c: Buffer) => (record.bodyBytes += c.length));
      req.on("end", () => {
        record.status = action.status;
        res.writeHead(action.status, { "Content-Type": "application/json", ...action.headers });
        res.end(action.body ?? JSON.stringify({ errors: [{ code: "UNKNOWN", message: `injected ${action.status}` }] }));
      });
      return;
    }
    if (action.kind === "corrupt-response") {
      return forward(req, res, record, (body) => {
        const copy = Buffer.from(body);
        if (copy.length > 0) copy[copy.length >> 1] = copy[copy.length >> 1]! ^ 0xff;
        return copy;
      });
    }
    // drop-mid-body: forward half of the body, then cut both connections.
    const total = Number(req.headers["content-length"] ?? "0");
    const upstream = httpRequest({ host: targetHost, port: Number(targetPort), method: req.method, path: req.url, headers: req.headers, agent });
    upstream.on("error", () => {});
    upstream.on("response", (r) => r.resume());
    let sent = 0;
    let cut = false;
    const half = Math.max(1, Math.floor(total / 2));
    req.on("data", (c: Buffer) => {
      if (cut) return;
      record.bodyBytes += c.length;
      const room = half - sent;
      upstream.write(c.subarray(0, Math.max(0, room)));
      sent += Math.min(room, c.length);
      if (sent >= half) {
        cut = true;
        record.status = 0;
        setTimeout(() => {
          upstream.destroy();
          req.socket.destroy();
        }, 20);
      }
    });
    req.on("end", () => {
      if (!cut) {
        cut = true;
        upstream.destroy();
        req.socket.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    requests,
    addFault: (fault) => faults.push({ ...fault, left: fault.times ?? 1 }),
    clearFaults: () => {
      faults.length = 0;
    },
    blobUploads: () => requests.filter((r) => r.path.includes("/blobs/uploads/")),
    uploadedBytes: () => requests.filter((r) => r.path.includes("/blobs/uploads/")).reduce((n, r) => n + r.bodyBytes, 0),
    reset: () => {
      requests.length = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        agent.destroy();
      }),
  };
}
