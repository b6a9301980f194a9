/**
 * Every byte and every wait from outside is bounded, against hostile node:http servers on 127.0.0.1:
 * a blob longer than its descriptor, oversized and gzip-bombed manifests, huge error bodies, encoded
 * blobs, a compat layer that inflates without end, stalls before headers and mid-body, a registry that
 * answers 201 and keeps nothing. Outcomes are asserted as the peak RSS of the CLI's process, time
 * bounds, bytes the server managed to send, and what was (not) written or tagged.
 */
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { peakRss } from "../../testkit/peak-rss.ts";
import { writeRepeated } from "../../testkit/write-repeated.ts";
import { listen, sha256, startFakeRegistry, wasmeManifest, type FakeRegistry } from "./fake-registry.ts";
import { addHeaderModule, removeTempDirs, runCli, tempDir, type ModuleFixture, type RunOptions, type RunResult } from "./fixtures.ts";
import { tarHeader } from "../../scripts/oci/tar.ts";

const MiB = 1024 * 1024;
/**
 * What a hostile server may add to the CLI's peak RSS: a small constant over the peak of an ordinary
 * pull of a small module (about 87 MiB on Node 20, mostly Node and its fetch), whatever it sends.
 */
const RSS_HEADROOM = 48 * MiB;
let RSS_BOUND = Number.POSITIVE_INFINITY;

let module: ModuleFixture;
before(async () => {
  module = await addHeaderModule();
  const registry = await startFakeRegistry();
  try {
    publishWith(registry, { digest: registry.addBlob(module.bytes), size: module.bytes.byteLength });
    const { result, rss } = await runMeasured(["pull", `${registry.host}/wasm/f:v1`, "-o", join(tempDir(), "baseline.wasm")]);
    assert.equal(result.code, 0, result.stderr);
    RSS_BOUND = rss + RSS_HEADROOM;
  } finally {
    await registry.stop();
  }
});
after(removeTempDirs);

/** Runs the CLI and returns its result and peak RSS. */
async function runMeasured(args: string[], options: RunOptions = {}): Promise<{ result: RunResult; rss: number; ms: number }> {
  const rss = peakRss();
  try {
    const started = Date.now();
    const result = await runCli(args, { ...options, env: { ...options.env, ...rss.env() } });
    return { result, rss: rss.bytes(), ms: Date.now() - started };
  } finally {
    rss.remove();
  }
}

function oneLine(result: RunResult, code = 1): string {
  assert.equal(result.code, code, result.stderr);
  const lines = result.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, result.stderr);
  return lines[0]!;
}

/** `count` gzip members of 16 MiB of zeros each: a small body that inflates to count × 16 MiB. */
function gzipBomb(count: number): Buffer {
  const member = gzipSync(Buffer.alloc(16 * MiB), { level: 9 });
  return Buffer.concat(Array.from({ length: count }, () => member));
}

/** A registry holding a wasme artifact `wasm/f:v1` whose module layer the test then serves itself. */
function publishWith(registry: FakeRegistry, layer: { digest: string; size: number; mediaType?: string }): void {
  const configBytes = new TextEncoder().encode('{"type":"envoy_proxy","abiVersions":["v0.2.1"],"config":{"rootIds":["f"]}}');
  const config = registry.addBlob(configBytes);
  const manifest = wasmeManifest({ digest: config, size: configBytes.byteLength }, layer) as { layers: Array<{ mediaType: string }> };
  if (layer.mediaType) manifest.layers = [{ ...layer, mediaType: layer.mediaType }];
  registry.addManifest("v1", manifest);
}

describe("memory is bounded", { concurrency: false }, () => {
  let registry: FakeRegistry;
  before(async () => {
    registry = await startFakeRegistry();
  });
  after(async () => {
    await registry.stop();
  });

  it("a blob whose descriptor says 1,000 bytes while the server streams 500 MiB: cut at 1,001, RSS flat", async () => {
    const declared = new Uint8Array(1000).fill(7);
    const digest = sha256(declared);
    publishWith(registry, { digest, size: 1000 });
    const sent: number[] = [];
    registry.route = async (req, res) => {
      if (req.method !== "GET" || !req.url?.endsWith(`/blobs/${digest}`)) return false;
      res.writeHead(200, { "Content-Type": "application/octet-stream" }); // chunked: no length to refuse early
      sent.push(await writeRepeated(res, Buffer.alloc(MiB, 7), 500 * MiB));
      return true;
    };
    const out = join(tempDir(), "f.wasm");
    const { result, rss, ms } = await runMeasured(["pull", `${registry.host}/wasm/f:v1`, "-o", out]);
    assert.equal(oneLine(result), `error: size mismatch for blob ${digest} from ${registry.host}/wasm/f: expected 1000 bytes, got more`);
    assert.ok(rss < RSS_BOUND, `peak RSS ${(rss / MiB).toFixed(1)} MiB, bound ${(RSS_BOUND / MiB).toFixed(1)} MiB`);
    assert.ok(ms < 20_000, `${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(sent.length, 1);
    assert.ok(sent[0]! < 64 * MiB, `the server got ${(sent[0]! / MiB).toFixed(1)} MiB out before the connection closed`);

    // With a Content-Length, the lie is refused before reading the body.
    registry.route = (req, res) => {
      if (req.method !== "GET" || !req.url?.endsWith(`/blobs/${digest}`)) return false;
      res.writeHead(200, { "Content-Length": String(500 * MiB) });
      res.write(Buffer.alloc(1000, 7));
      return true;
    };
    const announced = await runCli(["pull", `${registry.host}/wasm/f:v1`, "-o", out]);
    assert.equal(oneLine(announced), `error: size mismatch for blob ${digest} from ${registry.host}/wasm/f: expected 1000 bytes, the registry announces 524288000`);
  });

  it("manifests: more than 4 MiB, or a gzip bomb, are refused at the cap; a text/html one is no manifest", async () => {
    registry.route = (req, res) => {
      if (req.url?.endsWith("/manifests/big")) {
        res.writeHead(200, { "Content-Type": "application/vnd.oci.image.manifest.v1+json" });
        void writeRepeated(res, Buffer.alloc(MiB, 0x20), 64 * MiB);
        return true;
      }
      if (req.url?.endsWith("/manifests/bomb")) {
        res.writeHead(200, { "Content-Type": "application/vnd.oci.image.manifest.v1+json", "Content-Encoding": "gzip" });
        res.end(gzipBomb(64)); // 1 GiB inflated
        return true;
      }
      if (req.url?.endsWith("/manifests/html")) {
        res.writeHead(200, { "Content-Type": "text/html" }).end('<html>{"schemaVersion":2}</html>');
        return true;
      }
      return false;
    };
    for (const tag of ["big", "bomb"]) {
      const { result, rss } = await runMeasured(["inspect", `${registry.host}/wasm/f:${tag}`]);
      assert.equal(oneLine(result), `error: manifest ${registry.host}/wasm/f:${tag} is larger than the limit of 4194304 bytes`);
      assert.ok(rss < RSS_BOUND, `${tag}: peak RSS ${(rss / MiB).toFixed(1)} MiB`);
    }
    const html = await runCli(["inspect", `${registry.host}/wasm/f:html`]);
    assert.equal(oneLine(html), `error: manifest ${registry.host}/wasm/f:html has media type "text/html", not a manifest or index type`);
  });

  it("error bodies are read to 4 KiB on every retry: 64 MiB ones change neither the line nor the memory", async () => {
    let answered = 0;
    registry.route = async (req, res) => {
      if (!req.url?.endsWith("/manifests/v1")) return false;
      answered++;
      res.writeHead(503, { "Content-Type": "application/json" });
      await writeRepeated(res, Buffer.from(`{"errors":[{"code":"UNAVAILABLE","message":"${"x".repeat(MiB - 100)}`), 64 * MiB);
      return true;
    };
    const { result, rss } = await runMeasured(["inspect", `${registry.host}/wasm/f:v1`]);
    const line = oneLine(result);
    assert.match(line, /^error: fetching manifest 127\.0\.0\.1:[0-9]+\/wasm\/f:v1 failed: 503 Service Unavailable \(after 5 attempts\)$/);
    assert.equal(answered, 5);
    assert.ok(rss < RSS_BOUND, `peak RSS ${(rss / MiB).toFixed(1)} MiB, bound ${(RSS_BOUND / MiB).toFixed(1)} MiB`);
  });

  it("blobs: Accept-Encoding identity is asked for, and an encoded blob body is refused", async () => {
    const bytes = Buffer.from(module.bytes);
    const digest = sha256(bytes);
    publishWith(registry, { digest, size: bytes.length });
    const accepted: Array<string | undefined> = [];
    registry.route = (req, res) => {
      accepted.push(req.headers["accept-encoding"]);
      if (req.method !== "GET" || !req.url?.endsWith(`/blobs/${digest}`)) return false;
      res.writeHead(200, { "Content-Encoding": "gzip" }).end(gzipSync(bytes));
      return true;
    };
    const result = await runCli(["pull", `${registry.host}/wasm/f:v1`, "-o", join(tempDir(), "f.wasm")]);
    assert.match(oneLine(result), new RegExp(`^error: ${registry.host.replace(/\./g, "\\.")} sent an encoded body \\(Content-Encoding: gzip\\) for http://.*/blobs/${digest} although we asked for identity$`));
    assert.ok(accepted.length > 0 && accepted.every((a) => a === "identity"), JSON.stringify(accepted));
  });

  it("a compat layer that inflates without end stops at the cap; one whose plugin.wasm declares 1 GiB, at its header", async () => {
    const bomb = gzipBomb(32); // 512 MiB of zeros: an empty tar, then junk
    const bombDigest = registry.addBlob(bomb);
    publishWith(registry, { digest: bombDigest, size: bomb.length, mediaType: "application/vnd.oci.image.layer.v1.tar+gzip" });
    registry.route = undefined;
    const { result, rss, ms } = await runMeasured(["pull", `${registry.host}/wasm/f:v1`, "-o", join(tempDir(), "f.wasm")]);
    assert.equal(oneLine(result), `error: layer ${bombDigest} inflates past 257.1 MiB`);
    assert.ok(rss < RSS_BOUND, `peak RSS ${(rss / MiB).toFixed(1)} MiB, bound ${(RSS_BOUND / MiB).toFixed(1)} MiB`);
    assert.ok(ms < 30_000, `${ms} ms`);

    const huge = gzipSync(Buffer.concat([tarHeader("plugin.wasm", 1024 * MiB), Buffer.alloc(4096)]));
    const hugeDigest = registry.addBlob(huge);
    publishWith(registry, { digest: hugeDigest, size: huge.length, mediaType: "application/vnd.oci.image.layer.v1.tar+gzip" });
    const declared = await runCli(["pull", `${registry.host}/wasm/f:v1`, "-o", join(tempDir(), "f.wasm")]);
    assert.equal(oneLine(declared), `error: layer ${hugeDigest}: plugin.wasm declares 1073741824 bytes, more than the limit of 268435456`);
  });
});

describe("time is bounded", () => {
  it("a registry that stalls before headers, or mid-body, fails after --timeout without data, not after minutes", async () => {
    const registry = await startFakeRegistry();
    const held: Array<import("node:http").ServerResponse> = [];
    try {
      const bytes = Buffer.from(module.bytes);
      const digest = sha256(bytes);
      publishWith(registry, { digest, size: bytes.length });
      registry.route = (req, res) => {
        if (req.url?.endsWith("/manifests/silent")) {
          held.push(res); // never answered
          return true;
        }
        if (req.method === "GET" && req.url?.endsWith(`/blobs/${digest}`)) {
          // Ten bytes, then nothing; a Range request is answered the same way from its offset.
          const from = Number(/^bytes=([0-9]+)-$/.exec(String(req.headers.range ?? ""))?.[1] ?? 0);
          const headers: Record<string, string> = { "Content-Length": String(bytes.length - from) };
          if (from > 0) headers["Content-Range"] = `bytes ${from}-${bytes.length - 1}/${bytes.length}`;
          res.writeHead(from > 0 ? 206 : 200, headers);
          res.write(bytes.subarray(from, from + 10));
          held.push(res);
          return true;
        }
        return false;
      };
      const [before, mid] = await Promise.all([
        runMeasured(["inspect", `${registry.host}/wasm/f:silent`, "--timeout", "1"]),
        runMeasured(["pull", `${registry.host}/wasm/f:v1`, "-o", join(tempDir(), "f.wasm"), "--timeout", "1"]),
      ]);
      const suffix = ` for 1 s (--timeout <seconds> waits longer)`;
      assert.match(oneLine(before.result), new RegExp(`^error: no data from ${registry.host.replace(/\./g, "\\.")}${suffix.replace(/[()<>]/g, "\\$&")} \\(after 5 attempts\\)$|^error: no data from .* \\(after [0-9] attempts\\)`));
      assert.ok(before.ms < 20_000, `stall before headers: ${before.ms} ms`);
      assert.equal(oneLine(mid.result), `error: no data from ${registry.host}${suffix}`);
      assert.ok(mid.ms < 15_000, `stall mid-body: ${mid.ms} ms`);
      const ranges = registry.requests.filter((r) => r.method === "GET" && r.path.endsWith(`/blobs/${digest}`));
      assert.equal(ranges.length, 4, "the first GET and three Range resumes");
    } finally {
      for (const res of held) res.destroy();
      await registry.stop();
    }
  });
});

describe("push verifies what the registry kept", () => {
  it("a registry that answers 201 to blob PUTs and keeps nothing: HEAD after upload catches it, nothing is tagged", async () => {
    const registry = await startFakeRegistry();
    try {
      registry.route = (req, res) => {
        if (req.method === "PUT" && req.url?.includes("/blobs/uploads/")) {
          res.writeHead(201, { "Content-Length": "0" }).end(); // accepted, not stored
          return true;
        }
        return false;
      };
      const result = await runCli(["push", module.path, `${registry.host}/wasm/f:v1`]);
      assert.match(oneLine(result), new RegExp(`^error: ${registry.host.replace(/\./g, "\\.")} accepted blob sha256:[0-9a-f]{64} but does not have it \\(HEAD answers 404\\); nothing was tagged$`));
      assert.deepEqual(registry.requests.filter((r) => r.path.includes("/manifests/")), [], "no manifest was sent");
      const methods = registry.requests.map((r) => r.method);
      assert.deepEqual(methods.slice(0, 4), ["HEAD", "POST", "PUT", "HEAD"]);
    } finally {
      await registry.stop();
    }
  });
});

describe("a server that does not speak our protocol says so", () => {
  it("a plain HTTP server that is not a registry (404 pages, 501 to POST)", async () => {
    const server = await listen((req, res) => {
      if (req.method === "GET" || req.method === "HEAD") res.writeHead(404, { "Content-Type": "text/html" }).end("<h1>File not found</h1>");
      else res.writeHead(501, { "Content-Type": "text/html" }).end("<h1>Unsupported method</h1>");
    });
    try {
      const push = await runCli(["push", module.path, `${server.host}/wasm/f:v1`]);
      assert.equal(oneLine(push), `error: ${server.host} is not an OCI registry (GET /v2/ answered 404 Not Found)`);
      const pull = await runCli(["pull", `${server.host}/wasm/f:v1`, "-o", join(tempDir(), "f.wasm")]);
      assert.equal(oneLine(pull), `error: ${server.host} is not an OCI registry (GET /v2/ answered 404 Not Found)`);
    } finally {
      await server.stop();
    }
  });
});
