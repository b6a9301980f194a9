/**
 * Pull side: artifacts that skopeo pushes from OCI layouts this test writes by hand (legacy layer type,
 * a compat image packed by GNU tar, an image index) come back verified and byte-identical; bytes
 * altered in transit (a fault-injecting proxy) fail the pull with a digest error; pulls ask for all
 * four manifest types.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { addHeaderModule, removeTempDirs, runCli, skopeo, tempDir, type ModuleFixture } from "./fixtures.ts";
import { startFaultProxy, type FaultProxy } from "./fault-proxy.ts";
import { startRegistry, type Registry } from "../../testkit/registry-harness.ts";

let module: ModuleFixture;
let registry: Registry;
let proxy: FaultProxy;

before(async () => {
  module = await addHeaderModule();
  registry = await startRegistry("none");
  proxy = await startFaultProxy(registry.host);
});
after(async () => {
  await proxy?.stop();
  await registry?.stop();
  removeTempDirs();
});

const sha = (bytes: Uint8Array | string) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;

interface Blob {
  mediaType: string;
  bytes: Buffer;
  extra?: Record<string, unknown>;
}

/** Writes an OCI image layout by hand (no project code involved); returns the top digest. */
function writeLayout(dir: string, tag: string, top: Record<string, unknown>, blobs: Buffer[], topMediaType: string): string {
  mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
  writeFileSync(join(dir, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  const manifestBytes = Buffer.from(JSON.stringify(top));
  for (const blob of [...blobs, manifestBytes]) writeFileSync(join(dir, "blobs", "sha256", sha(blob).slice(7)), blob);
  const digest = sha(manifestBytes);
  writeFileSync(
    join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: topMediaType, digest, size: manifestBytes.length, annotations: { "org.opencontainers.image.ref.name": tag } }],
    }),
  );
  return digest;
}

const descriptor = (blob: Blob) => ({ mediaType: blob.mediaType, digest: sha(blob.bytes), size: blob.bytes.length, ...blob.extra });
const imageManifest = (config: Blob, layers: Blob[]) => ({
  schemaVersion: 2,
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  config: descriptor(config),
  layers: layers.map(descriptor),
});

async function skopeoPush(layout: string, tag: string, repo: string, all = false): Promise<void> {
  const result = await skopeo(["copy", ...(all ? ["--all"] : []), "--dest-tls-verify=false", `oci:${layout}:${tag}`, `docker://${registry.host}/${repo}:${tag}`]);
  assert.equal(result.code, 0, result.stderr);
}

describe("pull what skopeo pushed from hand-made OCI layouts", () => {
  it("legacy application/vnd.wasm.content.layer.v1+wasm layer with an empty config", async () => {
    const layout = join(tempDir(), "layout");
    const config: Blob = { mediaType: "application/vnd.oci.empty.v1+json", bytes: Buffer.from("{}") };
    const layer: Blob = { mediaType: "application/vnd.wasm.content.layer.v1+wasm", bytes: Buffer.from(module.bytes) };
    const digest = writeLayout(layout, "legacy", { ...imageManifest(config, [layer]), artifactType: layer.mediaType }, [config.bytes, layer.bytes], "application/vnd.oci.image.manifest.v1+json");
    await skopeoPush(layout, "legacy", "pulled/legacy");
    const out = join(tempDir(), "legacy.wasm");
    const result = await runCli(["pull", `${registry.host}/pulled/legacy:legacy`, "-o", out, "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout) as { digest: string; format: string; output: string; wasm: { digest: string } };
    assert.equal(json.digest, digest);
    assert.equal(json.format, "legacy");
    assert.equal(json.wasm.digest, sha(module.bytes));
    assert.deepEqual(readFileSync(out), Buffer.from(module.bytes));
  });

  it("compat image whose tar+gzip layer GNU tar packed (./plugin.wasm)", async () => {
    const work = tempDir();
    writeFileSync(join(work, "plugin.wasm"), module.bytes);
    execFileSync("tar", ["--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=1970-01-01", "-cf", join(work, "layer.tar"), "-C", work, "./plugin.wasm"]);
    execFileSync("sh", ["-c", `gzip -n -c '${join(work, "layer.tar")}' > '${join(work, "layer.tar.gz")}'`]);
    const layer: Blob = { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", bytes: readFileSync(join(work, "layer.tar.gz")) };
    const config: Blob = {
      mediaType: "application/vnd.oci.image.config.v1+json",
      bytes: Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", config: {}, rootfs: { type: "layers", diff_ids: [sha(readFileSync(join(work, "layer.tar")))] } })),
    };
    const layout = join(work, "layout");
    writeLayout(layout, "compat", imageManifest(config, [layer]), [config.bytes, layer.bytes], "application/vnd.oci.image.manifest.v1+json");
    await skopeoPush(layout, "compat", "pulled/compat");
    const out = join(work, "compat.wasm");
    const result = await runCli(["pull", `${registry.host}/pulled/compat:compat`, "-o", out]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /format compat/);
    assert.deepEqual(readFileSync(out), Buffer.from(module.bytes));
  });

  it("an image index: the wasm platform's manifest is chosen and verified against the index", async () => {
    const layout = join(tempDir(), "layout");
    const config: Blob = {
      mediaType: "application/vnd.wasm.config.v0+json",
      bytes: Buffer.from(JSON.stringify({ architecture: "wasm", os: "wasip1", layerDigests: [sha(module.bytes)] })),
    };
    const layer: Blob = { mediaType: "application/wasm", bytes: Buffer.from(module.bytes) };
    const child = Buffer.from(JSON.stringify(imageManifest(config, [layer])));
    const index = {
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [{ mediaType: "application/vnd.oci.image.manifest.v1+json", digest: sha(child), size: child.length, platform: { architecture: "wasm", os: "wasip1" } }],
    };
    const digest = writeLayout(layout, "index", index, [config.bytes, layer.bytes, child], "application/vnd.oci.image.index.v1+json");
    await skopeoPush(layout, "index", "pulled/index", true);
    const out = join(tempDir(), "index.wasm");
    const result = await runCli(["pull", `${registry.host}/pulled/index:index`, "-o", out]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), digest);
    assert.match(result.stderr, /format cncf/);
    assert.deepEqual(readFileSync(out), Buffer.from(module.bytes));
    const inspected = await runCli(["inspect", `${registry.host}/pulled/index:index`, "--json"]);
    assert.equal(inspected.code, 0, inspected.stderr);
    const json = JSON.parse(inspected.stdout) as { mediaType: string; manifestDigest: string; format: string; istio: { ok: boolean } };
    assert.equal(json.mediaType, "application/vnd.oci.image.index.v1+json");
    assert.equal(json.manifestDigest, sha(child));
    assert.equal(json.istio.ok, false);
  });
});

describe("pull through a fault-injecting proxy", () => {
  let digest: string;
  before(async () => {
    const pushed = await runCli(["push", module.path, `${registry.host}/pulled/faults:v1`]);
    assert.equal(pushed.code, 0, pushed.stderr);
    digest = pushed.stdout.trim();
  });

  it("sends all four manifest Accept types and fetches by digest", async () => {
    proxy.reset();
    const out = join(tempDir(), "bydigest.wasm");
    const result = await runCli(["pull", `${proxy.host}/pulled/faults@${digest}`, "-o", out]);
    assert.equal(result.code, 0, result.stderr);
    const manifestGet = proxy.requests.find((r) => r.method === "GET" && r.path.includes("/manifests/"))!;
    assert.equal(manifestGet.path, `/v2/pulled/faults/manifests/${digest}`);
    const accepted = manifestGet.accept!.split(",").map((s) => s.trim()).sort();
    assert.deepEqual(accepted, [
      "application/vnd.docker.distribution.manifest.list.v2+json",
      "application/vnd.docker.distribution.manifest.v2+json",
      "application/vnd.oci.image.index.v1+json",
      "application/vnd.oci.image.manifest.v1+json",
    ]);
    assert.deepEqual(readFileSync(out), Buffer.from(module.bytes));
  });

  it("a blob served with wrong bytes fails the pull with a digest error and writes nothing", async () => {
    proxy.addFault({ method: "GET", path: /\/blobs\/sha256:/, times: 100, action: { kind: "corrupt-response" } });
    try {
      const out = join(tempDir(), "corrupt.wasm");
      const result = await runCli(["pull", `${proxy.host}/pulled/faults:v1`, "-o", out]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^error: digest mismatch for blob sha256:[0-9a-f]{64} from 127\.0\.0\.1:[0-9]+\/pulled\/faults: expected sha256:[0-9a-f]{64}, got sha256:[0-9a-f]{64}\n$/);
      assert.equal(existsSync(out), false);
    } finally {
      proxy.clearFaults();
    }
  });

  it("a manifest served with wrong bytes fails against Docker-Content-Digest", async () => {
    proxy.addFault({ method: "GET", path: /\/manifests\/v1$/, action: { kind: "corrupt-response" } });
    try {
      const result = await runCli(["pull", `${proxy.host}/pulled/faults:v1`, "-o", join(tempDir(), "m.wasm")]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^error: digest mismatch for manifest 127\.0\.0\.1:[0-9]+\/pulled\/faults:v1: expected sha256:/);
    } finally {
      proxy.clearFaults();
    }
  });

  it("an unknown tag is one readable line", async () => {
    const result = await runCli(["pull", `${registry.host}/pulled/faults:nope`]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: fetching manifest 127\.0\.0\.1:[0-9]+\/pulled\/faults:nope failed: manifest unknown\n$/, "said once, not twice");
  });
});
