/**
 * Push add-header in every format to real registries (no auth, htpasswd Basic, token auth) and read
 * it back with skopeo, the independent client: exact manifest bytes, exact config, and a layer
 * byte-identical to the module after `skopeo copy` to an OCI layout. Istio's loading rule is checked
 * on skopeo's copy, independently of our own code.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildArtifact, FORMAT_NAMES, readWasmModule, sha256Digest } from "../../scripts/oci/index.ts";
import { addHeaderModule, removeTempDirs, runCli, skopeo, skopeoCreds, tempDir, type ModuleFixture } from "./fixtures.ts";
import { startRegistry, type AuthMode, type Registry } from "../../testkit/registry-harness.ts";

const WASME_LAYER = "application/vnd.module.wasm.content.layer.v1+wasm";
let module: ModuleFixture;

before(async () => {
  module = await addHeaderModule();
  // The SDK builds it (`npm run asbuild`, which `npm test` runs first): test the real artifact.
  assert.ok(module.fromBuild, "build/add-header.wasm is missing: run `npm run asbuild` first");
});
after(removeTempDirs);

interface Manifest {
  mediaType?: string;
  config: { mediaType: string; digest: string };
  layers: Array<{ mediaType: string; digest: string; size: number }>;
  annotations?: Record<string, string>;
}

function blobOf(layoutDir: string, digest: string): Buffer {
  return readFileSync(join(layoutDir, "blobs", "sha256", digest.slice("sha256:".length)));
}

/** plugin.wasm from a tar+gzip layer, extracted by GNU tar (not by our reader). */
function extractWithGnuTar(layoutDir: string, digest: string): Buffer {
  const out = tempDir("oci-untar-");
  execFileSync("tar", ["-xzf", join(layoutDir, "blobs", "sha256", digest.slice(7)), "-C", out]);
  return readFileSync(join(out, "plugin.wasm"));
}

for (const mode of ["none", "basic", "token"] as const satisfies readonly AuthMode[]) {
  describe(`push to a registry with ${mode === "none" ? "no auth" : mode === "basic" ? "htpasswd Basic auth" : "token auth"}`, { concurrency: true }, () => {
    let registry: Registry;
    before(async () => {
      registry = await startRegistry(mode);
    });
    after(async () => {
      await registry?.stop();
    });

    const cliCreds = () => (mode === "none" ? [] : ["--username", registry.username, "--password-stdin"]);

    for (const format of FORMAT_NAMES) {
      it(`${format}: skopeo reads our exact manifest, config and module`, async () => {
        const reference = `${registry.host}/wasm/add-header:${format}`;
        const pushed = await runCli(["push", module.path, reference, "--format", format, "--json", ...cliCreds()], {
          input: `${registry.password}\n`,
        });
        assert.equal(pushed.code, 0, pushed.stderr);
        assert.equal(pushed.stderr, "");
        const lines = pushed.stdout.trimEnd().split("\n");
        assert.equal(lines.length, 1, "--json prints one JSON document and nothing else");
        const json = JSON.parse(lines[0]!) as Record<string, unknown>;
        assert.deepEqual(Object.keys(json), ["reference", "digest", "mediaType", "format", "layers"]);
        assert.equal(json.reference, reference);
        assert.equal(json.format, format);
        assert.equal(json.mediaType, "application/vnd.oci.image.manifest.v1+json");

        const expected = await buildArtifact(format, {
          wasm: module.bytes,
          fileName: basename(module.path),
          rootId: "add_header",
          abiVersions: readWasmModule(module.bytes).abiVersions,
        });
        const creds = skopeoCreds(registry);
        const raw = await skopeo(["inspect", "--raw", "--tls-verify=false", ...creds, `docker://${reference}`]);
        assert.equal(raw.code, 0, raw.stderr);
        assert.deepEqual(new Uint8Array(raw.stdoutBytes), expected.manifestBytes, "skopeo returns our manifest bytes");
        assert.equal(sha256Digest(raw.stdoutBytes), json.digest, "the printed digest is the manifest's");
        const manifest = JSON.parse(raw.stdout) as Manifest;
        assert.deepEqual(json.layers, manifest.layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size })));

        const config = await skopeo(["inspect", "--config", "--raw", "--tls-verify=false", ...creds, `docker://${reference}`]);
        assert.equal(config.code, 0, config.stderr);
        assert.deepEqual(new Uint8Array(config.stdoutBytes), expected.blobs.get(expected.manifest.config.digest)!.bytes);
        if (format === "wasme" || format === "oras") {
          assert.deepEqual(JSON.parse(config.stdout).config, { rootIds: ["add_header"] });
        }

        const layout = join(tempDir("oci-skopeo-copy-"), "layout");
        const copy = await skopeo(["copy", "--src-tls-verify=false", ...skopeoCreds(registry, "--src-creds"), `docker://${reference}`, `oci:${layout}:${format}`]);
        assert.equal(copy.code, 0, copy.stderr);
        const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as { manifests: Array<{ digest: string }> };
        assert.equal(index.manifests[0]!.digest, json.digest, "skopeo copy keeps our manifest digest");
        const copied = JSON.parse(blobOf(layout, index.manifests[0]!.digest).toString("utf8")) as Manifest;
        const original = readFileSync(module.path);

        if (format === "compat") {
          // Istio's compat rule: the last layer is OCI tar+gzip and holds plugin.wasm.
          const last = copied.layers.at(-1)!;
          assert.equal(last.mediaType, "application/vnd.oci.image.layer.v1.tar+gzip");
          assert.deepEqual(extractWithGnuTar(layout, last.digest), original);
        } else {
          const wasmLayers = copied.layers.filter((l) => l.mediaType === (format === "cncf" ? "application/wasm" : WASME_LAYER));
          assert.equal(wasmLayers.length, 1);
          assert.deepEqual(blobOf(layout, wasmLayers[0]!.digest), original, "the layer is byte-identical to the module");
        }
        if (format === "wasme") {
          // Istio's oci-variant rule: exactly two layers, the module found by media type.
          assert.equal(copied.layers.length, 2);
          assert.equal(copied.layers.filter((l) => l.mediaType === WASME_LAYER).length, 1);
        }

        const out = join(tempDir("oci-pull-"), "pulled.wasm");
        const pulled = await runCli(["pull", reference, "-o", out, ...cliCreds()], { input: `${registry.password}\n` });
        assert.equal(pulled.code, 0, pulled.stderr);
        assert.equal(pulled.stdout.trim(), json.digest);
        assert.match(pulled.stderr, new RegExp(`format ${format}\\b`));
        assert.deepEqual(readFileSync(out), original);
      });
    }
  });
}

describe("the module under test", () => {
  it("is the SDK's build/add-header.wasm, a Proxy-Wasm 0.2.1 module", async () => {
    assert.match(module.path, /build\/add-header\.wasm$/);
    assert.deepEqual(readWasmModule(module.bytes).abiVersions, ["v0.2.1"]);
  });
});
