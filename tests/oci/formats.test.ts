import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { gunzipSync, gzipSync } from "node:zlib";
import {
  buildArtifact,
  bytesContent,
  FORMAT_NAMES,
  istioVerdict,
  locateWasm,
  MediaType,
  MemoryOutput,
  ModuleSink,
  readAll,
  readWasmModule,
  sha256Digest,
  type Artifact,
  type Descriptor,
  type ImageManifest,
} from "../../scripts/oci/index.ts";
import { tarStream, TarExtractor } from "../../scripts/oci/tar.ts";
import { compileWat, MINIMAL_PROXY_WAT, removeTempDirs, tempDir } from "./fixtures.ts";

const blobOf = async (artifact: Artifact, digest: string): Promise<Uint8Array> => readAll(artifact.blobs.get(digest)!.open(), 1 << 30, digest);

/** The module in a layer, as a pull's sink extracts it (raw, or plugin.wasm of tar+gzip). */
async function moduleIn(layer: Descriptor, bytes: Uint8Array, packaging: "raw" | "tar+gzip"): Promise<Uint8Array> {
  const output = new MemoryOutput();
  const sink = new ModuleSink(output);
  sink.expect({ format: "compat", layer, packaging });
  await sink.push(layer, () => bytesContent(bytes).open());
  await output.commit();
  return output.bytes!;
}

const tarOf = (files: Array<{ name: string; data: Uint8Array }>) =>
  readAll(tarStream(files.map((f) => ({ name: f.name, size: f.data.byteLength, open: () => bytesContent(f.data).open() }))), 1 << 30, "tar");

/** Entries of a tar (name, data), read by the streaming extractor, one entry at a time. */
async function entriesOf(tar: Uint8Array): Promise<Array<{ name: string; data: Uint8Array }>> {
  const found: Array<{ name: string; data: Uint8Array }> = [];
  for (;;) {
    const chunks: Uint8Array[] = [];
    const extractor = new TarExtractor({
      wanted: (name) => !found.some((f) => f.name === name),
      maxEntryBytes: 1 << 30,
      maxOtherBytes: 1 << 30,
      onData: (chunk) => void chunks.push(chunk.slice()),
    });
    await extractor.write(tar);
    extractor.finish();
    if (!extractor.found) return found;
    found.push({ name: extractor.names.find((n) => !found.some((f) => f.name === n))!, data: new Uint8Array(Buffer.concat(chunks)) });
  }
}

let wasm: Uint8Array;
const input = () => ({ wasm, fileName: "example-filter.wasm", rootId: "add_header", abiVersions: ["v0.2.1"] });

before(async () => {
  wasm = await compileWat(MINIMAL_PROXY_WAT);
});
after(removeTempDirs);

describe("readWasmModule", () => {
  it("lists exports and ABI versions of the docs/oci.md fixture (80 bytes, known digest)", () => {
    assert.equal(wasm.byteLength, 80);
    assert.equal(sha256Digest(wasm), "sha256:140ac7ea1eb9e57855b42cb9d0bc15ccb782db3eff7117d53cd5d1f22e9af188");
    const info = readWasmModule(wasm);
    assert.deepEqual(info.exports, ["memory", "proxy_abi_version_0_2_1", "_start"]);
    assert.deepEqual(info.abiVersions, ["v0.2.1"]);
  });

  it("refuses other files, other versions and truncated sections with a reason", () => {
    assert.throws(() => readWasmModule(new TextEncoder().encode("#!/bin/sh\necho hi\n")), /not a wasm module/);
    const v2 = new Uint8Array(wasm);
    v2[4] = 2;
    assert.throws(() => readWasmModule(v2), /unsupported wasm binary version 2/);
    assert.throws(() => readWasmModule(wasm.subarray(0, 40)), /malformed wasm module/);
  });
});

describe("tar", () => {
  it("writes archives GNU tar reads, reproducibly", async () => {
    const dir = tempDir();
    const files = [{ name: "plugin.wasm", data: wasm }, { name: "runtime-config.json", data: new Uint8Array([123, 125]) }];
    const archive = gzipSync(await tarOf(files));
    assert.deepEqual(archive, gzipSync(await tarOf(files)));
    writeFileSync(join(dir, "layer.tar.gz"), archive);
    const listing = execFileSync("tar", ["-tvzf", join(dir, "layer.tar.gz")], { encoding: "utf8" });
    assert.match(listing, /-rw-r--r-- 0\/0 +80 1970-01-01 00:00 plugin\.wasm/);
    execFileSync("tar", ["-xzf", join(dir, "layer.tar.gz"), "-C", dir]);
    assert.equal(execFileSync("sha256sum", [join(dir, "plugin.wasm")], { encoding: "utf8" }).split(" ")[0], sha256Digest(wasm).slice(7));
  });

  it("reads archives GNU tar writes, including pax long names", async () => {
    const dir = tempDir();
    const longName = `${"d".repeat(120)}/plugin.wasm`;
    execFileSync("mkdir", ["-p", join(dir, "src", "d".repeat(120))]);
    writeFileSync(join(dir, "src", longName), wasm);
    execFileSync("tar", ["--format=pax", "-czf", join(dir, "out.tar.gz"), "-C", join(dir, "src"), longName]);
    const entries = await entriesOf(gunzipSync(execFileSync("cat", [join(dir, "out.tar.gz")])));
    assert.deepEqual(entries.map((e) => e.name), [longName]);
    assert.deepEqual(entries[0]!.data, wasm);
  });

  it("rejects a corrupted header, and an entry larger than its limit before reading it", async () => {
    const tar = (await tarOf([{ name: "plugin.wasm", data: wasm }])).slice();
    tar[10] = 0x41;
    await assert.rejects(entriesOf(tar), /bad header checksum/);
    const limited = new TarExtractor({ wanted: () => true, maxEntryBytes: 10, maxOtherBytes: 0, onData: () => assert.fail("no data") });
    await assert.rejects(limited.write(await tarOf([{ name: "plugin.wasm", data: wasm }])), /plugin\.wasm declares 80 bytes, more than the limit of 10/);
  });
});

describe("formats", () => {
  it("wasme: config listed again as the first layer, wasm second, wasme's annotations", async () => {
    const a = await buildArtifact("wasme", input());
    const m = a.manifest;
    assert.equal(m.config.mediaType, MediaType.wasmeConfig);
    assert.equal(m.layers.length, 2);
    assert.deepEqual(m.layers[0], m.config);
    assert.equal(m.layers[1]!.mediaType, MediaType.wasmeLayer);
    assert.equal(m.layers[1]!.digest, sha256Digest(wasm));
    assert.equal(m.config.annotations?.["org.opencontainers.image.title"], "runtime-config.json");
    assert.equal(m.layers[1]!.annotations?.["org.opencontainers.image.title"], "filter.wasm");
    assert.deepEqual(m.annotations, { "module.wasm.runtime/abi_version": "v0.2.1", "module.wasm.runtime/type": "envoy_proxy" });
    assert.deepEqual(JSON.parse(new TextDecoder().decode(await blobOf(a, m.config.digest))), {
      type: "envoy_proxy",
      abiVersions: ["v0.2.1"],
      config: { rootIds: ["add_header"] },
    });
    assert.equal(a.blobs.size, 2, "the config blob is uploaded once");
    assert.equal(a.manifestDescriptor.digest, sha256Digest(a.manifestBytes));
  });

  it("oras: one wasm layer titled with the file name, config without annotations", async () => {
    const m = (await buildArtifact("oras", input())).manifest;
    assert.equal(m.layers.length, 1);
    assert.equal(m.config.annotations, undefined);
    assert.equal(m.layers[0]!.annotations?.["org.opencontainers.image.title"], "example-filter.wasm");
  });

  it("cncf: application/wasm layer and a wasip1 config naming the layer digests", async () => {
    const a = await buildArtifact("cncf", { ...input(), created: "2026-11-21T00:00:00Z" });
    assert.equal(a.manifest.layers[0]!.mediaType, "application/wasm");
    assert.deepEqual(JSON.parse(new TextDecoder().decode(await blobOf(a, a.manifest.config.digest))), {
      created: "2026-11-21T00:00:00Z",
      architecture: "wasm",
      os: "wasip1",
      layerDigests: [sha256Digest(wasm)],
    });
  });

  it("compat: last layer tar+gzip holding plugin.wasm; config diff_id is the tar's digest", async () => {
    const a = await buildArtifact("compat", input());
    const last = a.manifest.layers.at(-1)!;
    assert.equal(last.mediaType, MediaType.ociLayerTarGzip);
    const layer = await blobOf(a, last.digest);
    assert.equal(sha256Digest(layer), last.digest);
    assert.deepEqual(await moduleIn(last, layer, "tar+gzip"), wasm);
    const config = JSON.parse(new TextDecoder().decode(await blobOf(a, a.manifest.config.digest))) as { rootfs: { diff_ids: string[] } };
    assert.deepEqual(config.rootfs.diff_ids, [sha256Digest(gunzipSync(layer))]);
    assert.equal(a.manifest.annotations?.["module.wasm.image/variant"], "compat");
  });

  it("is deterministic and adds user annotations", async () => {
    for (const format of FORMAT_NAMES) {
      const one = await buildArtifact(format, { ...input(), annotations: { team: "edge" } });
      const two = await buildArtifact(format, { ...input(), annotations: { team: "edge" } });
      assert.equal(one.manifestDescriptor.digest, two.manifestDescriptor.digest, format);
      assert.equal(one.manifest.annotations?.team, "edge");
    }
  });

  it("locateWasm finds the module in each format it builds", async () => {
    for (const format of FORMAT_NAMES) {
      const a = await buildArtifact(format, input());
      const found = locateWasm(a.manifest);
      assert.equal(found.format, format);
      assert.deepEqual(await moduleIn(found.layer, await blobOf(a, found.layer.digest), found.packaging), wasm);
    }
  });

  it("locateWasm reads foreign shapes: legacy layer type, Higress' empty-config two layers, docker compat, titled tar", () => {
    const d = (mediaType: string, title?: string) => ({
      mediaType,
      digest: sha256Digest(new TextEncoder().encode(mediaType)),
      size: 1,
      ...(title ? { annotations: { "org.opencontainers.image.title": title } } : {}),
    });
    const manifest = (config: string, ...layers: ReturnType<typeof d>[]): ImageManifest => ({ schemaVersion: 2, config: d(config), layers });
    assert.equal(locateWasm(manifest(MediaType.ociEmpty, d(MediaType.legacyWasmLayer))).format, "legacy");
    assert.equal(locateWasm(manifest("application/vnd.unknown.config.v1+json", d(MediaType.wasmeConfig), d(MediaType.wasmeLayer))).format, "wasme");
    const docker = locateWasm(manifest(MediaType.dockerImageConfig, d(MediaType.dockerLayerTarGzip), d(MediaType.dockerLayerTarGzip)));
    assert.equal(docker.packaging, "tar+gzip");
    assert.equal(locateWasm(manifest(MediaType.ociEmpty, d("application/vnd.oci.image.layer.v1.tar", "filter.wasm"))).packaging, "raw");
    assert.throws(() => locateWasm(manifest(MediaType.ociEmpty, d(MediaType.cncfLayer), d(MediaType.wasmeLayer))), /ambiguous/);
    assert.throws(() => locateWasm(manifest(MediaType.ociImageConfig, d("application/octet-stream"))), /no wasm module/);
  });

  it("istioVerdict follows Istio's fetcher: wasme and compat load, oras and cncf do not", async () => {
    const verdict = async (format: (typeof FORMAT_NAMES)[number]) => istioVerdict((await buildArtifact(format, input())).manifest, MediaType.ociManifest);
    assert.equal((await verdict("wasme")).ok, true);
    assert.equal((await verdict("compat")).ok, true);
    assert.deepEqual(await verdict("oras"), { ok: false, reason: "number of layers must be 2 but got 1" });
    assert.equal((await verdict("cncf")).ok, false);
  });
});
