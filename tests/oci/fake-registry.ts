/**
 * A small registry on node:http (127.0.0.1:0) for hostile-server tests: it speaks just enough of the
 * distribution API (GET /v2/, blobs HEAD/GET, monolithic uploads, manifests GET/PUT) from memory, can
 * demand Basic credentials, records every request (method, path, Authorization), and lets a test take
 * over any request with `route` to misbehave: lie about sizes, stall, redirect, echo secrets.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface SeenRequest {
  method: string;
  path: string;
  authorization?: string;
}

export interface FakeRegistryOptions {
  /** Demand these Basic credentials on every /v2/ request. */
  basic?: { username: string; password: string };
}

export interface FakeRegistry {
  host: string;
  url: string;
  requests: SeenRequest[];
  blobs: Map<string, Uint8Array>;
  /** By tag or digest. */
  manifests: Map<string, { mediaType: string; bytes: Uint8Array }>;
  /** Takes over a request when it returns true (after the auth check). */
  route?: (req: IncomingMessage, res: ServerResponse, body: Buffer) => boolean | Promise<boolean>;
  /** Adds a manifest under its digest and `tag`; returns the digest. */
  addManifest(tag: string, manifest: unknown, mediaType?: string): string;
  addBlob(bytes: Uint8Array): string;
  stop(): Promise<void>;
}

export const sha256 = (bytes: Uint8Array | string) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

/** A plain node:http server on 127.0.0.1:0; `stop` closes every connection. */
export async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; host: string; url: string; stop(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server,
    host,
    url: `http://${host}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function startFakeRegistry(options: FakeRegistryOptions = {}): Promise<FakeRegistry> {
  const blobs = new Map<string, Uint8Array>();
  const manifests = new Map<string, { mediaType: string; bytes: Uint8Array }>();
  const uploads = new Map<string, Buffer>();
  const requests: SeenRequest[] = [];
  let nextUpload = 1;
  const registry: Partial<FakeRegistry> = { requests, blobs, manifests };
  const expected = options.basic ? `Basic ${Buffer.from(`${options.basic.username}:${options.basic.password}`).toString("base64")}` : undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const path = req.url ?? "/";
    const seen: SeenRequest = { method: req.method ?? "", path };
    if (req.headers.authorization) seen.authorization = req.headers.authorization;
    requests.push(seen);
    if (expected && path.startsWith("/v2/") && req.headers.authorization !== expected) {
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="fake"', "Content-Type": "application/json" });
      res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
      return;
    }
    if (registry.route && (await registry.route(req, res, body))) return;
    const json = (status: number, code: string, message: string) => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ errors: [{ code, message }] }));
    };
    if (path === "/v2/" || path === "/v2") return res.writeHead(200, { "Docker-Distribution-API-Version": "registry/2.0" }).end("{}");
    const blob = /^\/v2\/.+\/blobs\/(sha256:[0-9a-f]{64})$/.exec(path);
    if (blob && (req.method === "GET" || req.method === "HEAD")) {
      const bytes = blobs.get(blob[1]!);
      if (!bytes) return json(404, "BLOB_UNKNOWN", "blob unknown to registry");
      res.writeHead(200, { "Content-Length": String(bytes.byteLength), "Docker-Content-Digest": blob[1]!, "Content-Type": "application/octet-stream" });
      return res.end(req.method === "HEAD" ? undefined : bytes);
    }
    if (req.method === "POST" && /^\/v2\/.+\/blobs\/uploads\/$/.test(path)) {
      const id = String(nextUpload++);
      uploads.set(id, Buffer.alloc(0));
      res.writeHead(202, { Location: `${path}${id}`, "Docker-Upload-UUID": id, "Content-Length": "0" });
      return res.end();
    }
    const upload = /^\/v2\/.+\/blobs\/uploads\/([0-9]+)\?(.*)$/.exec(path);
    if (req.method === "PUT" && upload) {
      const digest = new URLSearchParams(upload[2]).get("digest") ?? "";
      if (sha256(body) !== digest) return json(400, "DIGEST_INVALID", "provided digest did not match uploaded content");
      blobs.set(digest, new Uint8Array(body));
      res.writeHead(201, { Location: path.replace(/uploads\/.*/, digest), "Docker-Content-Digest": digest, "Content-Length": "0" });
      return res.end();
    }
    const manifest = /^\/v2\/.+\/manifests\/([^/]+)$/.exec(path);
    if (manifest && (req.method === "GET" || req.method === "HEAD")) {
      const found = manifests.get(manifest[1]!);
      if (!found) return json(404, "MANIFEST_UNKNOWN", "manifest unknown");
      res.writeHead(200, { "Content-Type": found.mediaType, "Docker-Content-Digest": sha256(found.bytes), "Content-Length": String(found.bytes.byteLength) });
      return res.end(req.method === "HEAD" ? undefined : found.bytes);
    }
    if (manifest && req.method === "PUT") {
      const entry = { mediaType: String(req.headers["content-type"]), bytes: new Uint8Array(body) };
      manifests.set(manifest[1]!, entry);
      manifests.set(sha256(body), entry);
      res.writeHead(201, { "Docker-Content-Digest": sha256(body), "Content-Length": "0" });
      return res.end();
    }
    json(404, "NAME_UNKNOWN", "repository name not known to registry");
  };

  const server = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      handle(req, res, Buffer.concat(chunks)).catch(() => res.destroy());
    });
  });
  Object.assign(registry, {
    host: server.host,
    url: server.url,
    addBlob(bytes: Uint8Array) {
      const digest = sha256(bytes);
      blobs.set(digest, bytes);
      return digest;
    },
    addManifest(tag: string, value: unknown, mediaType = "application/vnd.oci.image.manifest.v1+json") {
      const bytes = new TextEncoder().encode(JSON.stringify(value));
      const entry = { mediaType, bytes };
      manifests.set(tag, entry);
      manifests.set(sha256(bytes), entry);
      return sha256(bytes);
    },
    stop: server.stop,
  });
  return registry as FakeRegistry;
}

/** A wasme-shaped manifest for a module and config already added as blobs. */
export function wasmeManifest(config: { digest: string; size: number }, layer: { digest: string; size: number }, annotations?: Record<string, string>): unknown {
  const configDescriptor = { mediaType: "application/vnd.module.wasm.config.v1+json", ...config };
  return {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: configDescriptor,
    layers: [configDescriptor, { mediaType: "application/vnd.module.wasm.content.layer.v1+wasm", ...layer }],
    ...(annotations ? { annotations } : {}),
  };
}
