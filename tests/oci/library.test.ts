/**
 * The library API the manifests command builds on: `resolve` (reference → store + target, no network),
 * `fetchArtifact` (manifest, config, format, Istio verdict and verified module bytes) and the one rule
 * that picks a child of an image index.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { readFileSync, writeFileSync } from "node:fs";
import { fetchArtifact, fileContent, pull, push, resolve, selectIndexChild, OciLayoutStore, RegistryStore, type ImageIndex } from "../../scripts/oci/index.ts";
import { compileWat, MINIMAL_PROXY_WAT, removeTempDirs, tempDir } from "./fixtures.ts";

let wasm: Uint8Array;
before(async () => {
  wasm = await compileWat(MINIMAL_PROXY_WAT);
});
after(removeTempDirs);

describe("resolve", () => {
  it("a registry reference: its repository, the tag (default latest) or digest, a printable location", () => {
    const tagged = resolve("127.0.0.1:5000/wasm/f:v1");
    assert.ok(tagged.store instanceof RegistryStore);
    assert.equal(tagged.target, "v1");
    assert.equal(tagged.location, "127.0.0.1:5000/wasm/f:v1");
    assert.equal(tagged.reference?.repository, "wasm/f");
    const digest = `sha256:${"a".repeat(64)}`;
    assert.equal(resolve(`127.0.0.1:5000/wasm/f@${digest}`).target, digest);
    assert.equal(resolve("127.0.0.1:5000/wasm/f").target, "latest");
  });

  it("with ociLayout: a tag or digest of that directory", () => {
    const layout = resolve("v2", { ociLayout: "build/oci" });
    assert.ok(layout.store instanceof OciLayoutStore);
    assert.equal(layout.target, "v2");
    assert.equal(layout.location, "oci-layout:build/oci:v2");
    assert.equal(layout.reference, undefined);
  });
});

describe("fetchArtifact", () => {
  it("returns the verified module, its format, config and Istio's verdict", async () => {
    const dir = join(tempDir(), "layout");
    const input = { wasm, fileName: "f.wasm", rootId: "my_root", abiVersions: ["v0.2.1"] };
    const pushed = await push("v1", "wasme", input, { ociLayout: dir });
    const artifact = await fetchArtifact("v1", { ociLayout: dir });
    assert.deepEqual(artifact.wasm, wasm);
    assert.equal(artifact.format, "wasme");
    assert.equal(artifact.digest, pushed.digest);
    assert.equal(artifact.manifestDigest, pushed.digest);
    assert.deepEqual((artifact.config.json as { config: { rootIds: string[] } }).config.rootIds, ["my_root"]);
    assert.equal(artifact.istio.ok, true);
    await push("v2", "cncf", input, { ociLayout: dir });
    const cncf = await fetchArtifact("v2", { ociLayout: dir });
    assert.equal(cncf.format, "cncf");
    assert.equal(cncf.istio.ok, false);
  });
});

describe("push and pull with files", () => {
  it("push streams a module file (fileContent); pull writes it to a file", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "in.wasm"), wasm);
    const input = { wasm: await fileContent(join(dir, "in.wasm"), wasm.byteLength), fileName: "in.wasm", rootId: "r", abiVersions: ["v0.2.1"] };
    const pushed = await push("v1", "compat", input, { ociLayout: join(dir, "layout") });
    const pulled = await pull("v1", join(dir, "out.wasm"), { ociLayout: join(dir, "layout") });
    assert.equal(pulled.digest, pushed.digest);
    assert.equal(pulled.format, "compat");
    assert.deepEqual(new Uint8Array(readFileSync(join(dir, "out.wasm"))), wasm);
    assert.equal(pulled.module.size, wasm.byteLength);
  });
});

describe("selectIndexChild", () => {
  const child = (n: number, platform?: { os: string; architecture: string }) => ({
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    digest: `sha256:${String(n).repeat(64)}`,
    size: 1,
    ...(platform ? { platform } : {}),
  });
  const index = (...manifests: ReturnType<typeof child>[]): ImageIndex => ({ schemaVersion: 2, manifests });

  it("prefers linux/amd64 (what Istio loads), then a wasm platform, then the only child", () => {
    const amd64 = child(1, { os: "linux", architecture: "amd64" });
    const wasi = child(2, { os: "wasip1", architecture: "wasm" });
    const arm = child(3, { os: "linux", architecture: "arm64" });
    assert.equal(selectIndexChild(index(wasi, arm, amd64)), amd64);
    assert.equal(selectIndexChild(index(arm, wasi)), wasi);
    assert.equal(selectIndexChild(index(arm)), arm);
    assert.equal(selectIndexChild(index(child(4))).digest, child(4).digest);
  });

  it("refuses to guess among several other platforms, and an empty index", () => {
    assert.throws(
      () => selectIndexChild(index(child(3, { os: "linux", architecture: "arm64" }), child(5, { os: "linux", architecture: "s390x" }))),
      /no linux\/amd64 or wasm manifest \(platforms: linux\/arm64, linux\/s390x\)/,
    );
    assert.throws(() => selectIndexChild(index()), /lists no manifests/);
  });
});
