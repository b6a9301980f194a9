import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { SecretGuard } from "../../scripts/commands/oci-command-options.ts";
import { CliError } from "../../scripts/cli-errors.ts";
import {
  buildArtifact,
  DigestMismatchError,
  fetchArtifactFrom,
  OciLayoutStore,
  push,
  pushArtifact,
  resolveDigest,
  terminalProgress,
} from "../../scripts/oci/index.ts";
import { compileWat, MINIMAL_PROXY_WAT, paddedModule, removeTempDirs, skopeo, tempDir } from "./fixtures.ts";

let wasm: Uint8Array;
before(async () => {
  wasm = await compileWat(MINIMAL_PROXY_WAT);
});
after(removeTempDirs);

const input = (bytes: Uint8Array) => ({ wasm: bytes, fileName: "add-header.wasm", rootId: "add_header", abiVersions: ["v0.2.1"] });

describe("OCI image layout store", () => {
  it("writes a layout skopeo reads back byte for byte, tags in index.json, blobs once", async () => {
    const dir = join(tempDir(), "layout");
    const store = new OciLayoutStore(dir);
    const artifact = await buildArtifact("wasme", input(wasm));
    const result = await pushArtifact(store, "v1", artifact);
    assert.equal(result.uploaded.length, 2);
    const again = await pushArtifact(store, "v2", artifact);
    assert.deepEqual(again.uploaded, []);
    const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as { manifests: Array<{ digest: string; annotations: Record<string, string> }> };
    assert.deepEqual(index.manifests.map((m) => m.annotations["org.opencontainers.image.ref.name"]), ["v1", "v2"]);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, "oci-layout"), "utf8")), { imageLayoutVersion: "1.0.0" });
    const raw = await skopeo(["inspect", "--raw", `oci:${dir}:v1`]);
    assert.equal(raw.code, 0, raw.stderr);
    assert.deepEqual(new Uint8Array(raw.stdoutBytes), artifact.manifestBytes);
    const copied = join(tempDir(), "copy");
    const copy = await skopeo(["copy", `oci:${dir}:v2`, `oci:${copied}:v2`]);
    assert.equal(copy.code, 0, copy.stderr);
    assert.deepEqual(new Uint8Array(readFileSync(join(copied, "blobs", "sha256", artifact.manifest.layers[1]!.digest.slice(7)))), wasm);
    assert.equal(await resolveDigest("v1", { ociLayout: dir }), result.digest);
  });

  it("retags in place and refuses a tampered blob on read", async () => {
    const dir = join(tempDir(), "layout");
    await push("v1", "oras", input(wasm), { ociLayout: dir });
    const cncf = await push("v1", "cncf", input(wasm), { ociLayout: dir });
    const store = new OciLayoutStore(dir);
    const pulled = await fetchArtifactFrom(store, "v1");
    assert.equal(pulled.format, "cncf");
    assert.equal(pulled.digest, cncf.digest);
    writeFileSync(join(dir, "blobs", "sha256", pulled.wasmLayer.digest.slice(7)), new Uint8Array(wasm.byteLength));
    await assert.rejects(fetchArtifactFrom(store, "v1"), (error: Error) => error instanceof DigestMismatchError && /digest mismatch for blob/.test(error.message));
    await assert.rejects(fetchArtifactFrom(store, "nope"), /no manifest tagged "nope" .*\(tags: v1\)/);
  });
});

describe("progress", () => {
  it("draws blobs over 1 MiB on a terminal, and nothing when stderr is not one", async () => {
    const big = await paddedModule(3 * 1024 * 1024);
    const written: string[] = [];
    const tty = { isTTY: true, write: (s: string) => written.push(s) };
    const progress = terminalProgress(tty, "pushing")!;
    await pushArtifact(new OciLayoutStore(join(tempDir(), "l")), "big", await buildArtifact("wasme", input(big)), { progress });
    assert.ok(written.length >= 1);
    assert.match(written.join(""), /pushing sha256:[0-9a-f]{12}… 3\.0\/3\.0 MiB 100%\n$/);
    assert.ok(written.every((line) => !line.includes(" 0.0/0.0")), "the small config blob is not drawn");
    assert.equal(terminalProgress({ isTTY: false, write: () => assert.fail("wrote to a pipe") }, "pushing"), undefined);
  });
});

describe("SecretGuard", () => {
  it("scrubs secrets and their base64 from a foreign error, keeps its first line, escapes controls", async () => {
    const guard = new SecretGuard();
    guard.secrets.add("hunter2-password");
    await assert.rejects(
      guard.run(async () => {
        throw new Error(`boom\x1b[2J hunter2-password ${Buffer.from("hunter2-password").toString("base64")}\nsecond line`);
      }),
      (error: Error) => error instanceof CliError && error.message === "boom\\x1b[2J *** ***",
    );
  });
});
