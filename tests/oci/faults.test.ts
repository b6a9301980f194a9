/**
 * Push through a fault-injecting proxy in front of a real registry (serving relative Locations):
 * a connection dropped mid-upload, a 500 then success, a 429 with Retry-After. The push succeeds after
 * retries or fails with one line, and the registry never holds a tag whose blobs are missing. A second
 * push of the same artifact sends no blob bytes. Bad input is refused before any request.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { addHeaderModule, compileWat, paddedModule, removeTempDirs, runCli, skopeo, tempDir, type ModuleFixture, type RunResult } from "./fixtures.ts";
import { startFaultProxy, type FaultProxy } from "./fault-proxy.ts";
import { startRegistry, type Registry } from "../../testkit/registry-harness.ts";

let module: ModuleFixture;
let registry: Registry;
let proxy: FaultProxy;

before(async () => {
  module = await addHeaderModule();
  registry = await startRegistry("none", { relativeUrls: true });
  proxy = await startFaultProxy(registry.host);
});
after(async () => {
  await proxy?.stop();
  await registry?.stop();
  removeTempDirs();
});

const UPLOAD_PUT = /\/blobs\/uploads\/[^?]+\?/;

/** Every tag in the repository can be copied in full by skopeo: no tag points at missing blobs. */
async function assertNoTagWithMissingBlobs(repo: string): Promise<string[]> {
  const listed = await skopeo(["list-tags", "--tls-verify=false", `docker://${registry.host}/${repo}`]);
  if (listed.code !== 0) {
    assert.match(listed.stderr, /name unknown|repository name not known|404 \(Not Found\)/i);
    return [];
  }
  const tags = (JSON.parse(listed.stdout) as { Tags: string[] }).Tags;
  for (const tag of tags) {
    const copy = await skopeo(["copy", "--src-tls-verify=false", `docker://${registry.host}/${repo}:${tag}`, `oci:${join(tempDir(), "check")}:${tag}`]);
    assert.equal(copy.code, 0, `tag ${tag} is complete: ${copy.stderr}`);
  }
  return tags;
}

function assertOneLine(result: RunResult): string {
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stdout, "");
  const lines = result.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, result.stderr);
  assert.ok(!/\n\s+at /.test(result.stderr));
  return lines[0]!;
}

describe("faults during a push", { concurrency: false }, () => {
  it("(this registry answers with relative Locations, the matrix registries with absolute ones)", async () => {
    const response = await fetch(`${registry.url}/v2/faults/probe/blobs/uploads/`, { method: "POST", headers: { Connection: "close" } });
    await response.arrayBuffer();
    assert.equal(response.status, 202);
    assert.match(response.headers.get("location") ?? "", /^\/v2\/faults\/probe\/blobs\/uploads\//);
  });

  it("a connection dropped mid-upload: a new upload session, then success", async () => {
    const big = join(tempDir(), "big.wasm");
    const bytes = await paddedModule(2 * 1024 * 1024);
    writeFileSync(big, bytes);
    proxy.reset();
    // Cut the 2 MiB module's upload after its first megabyte.
    const hex = createHash("sha256").update(bytes).digest("hex");
    proxy.addFault({ method: "PUT", path: new RegExp(`/blobs/uploads/.*digest=sha256(%3A|:)${hex}`), action: { kind: "drop-mid-body" } });
    const result = await runCli(["push", big, `${proxy.host}/faults/drop:v1`]);
    assert.equal(result.code, 0, result.stderr);
    const uploads = proxy.blobUploads();
    const dropped = uploads.filter((r) => r.fault === "drop-mid-body");
    assert.equal(dropped.length, 1, "the fault hit");
    assert.ok(dropped[0]!.bodyBytes >= 1024 * 1024 && dropped[0]!.bodyBytes < bytes.byteLength, `cut mid-body at ${dropped[0]!.bodyBytes}`);
    const wasmPuts = uploads.filter((r) => r.method === "PUT" && r.path.includes(hex));
    assert.deepEqual(wasmPuts.map((r) => r.status), [0, 201], "a fresh session, not the broken one, took the module");
    assert.equal(uploads.filter((r) => r.method === "POST").length, 3, "two blobs plus one restarted session");
    assert.deepEqual(await assertNoTagWithMissingBlobs("faults/drop"), ["v1"]);
  });

  it("a 500 on the upload start and on the manifest, then success", async () => {
    proxy.reset();
    proxy.addFault({ method: "POST", path: /\/blobs\/uploads\/$/, action: { kind: "respond", status: 500 } });
    proxy.addFault({ method: "PUT", path: /\/manifests\//, action: { kind: "respond", status: 500 } });
    const result = await runCli(["push", module.path, `${proxy.host}/faults/five:v1`, "--format", "compat"]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(proxy.requests.filter((r) => r.path.includes("/manifests/")).map((r) => r.status), [500, 201]);
    assert.deepEqual(await assertNoTagWithMissingBlobs("faults/five"), ["v1"]);
  });

  it("a 429 with Retry-After: 1 is honoured", async () => {
    proxy.reset();
    proxy.addFault({ method: "HEAD", path: /\/blobs\/sha256:/, action: { kind: "respond", status: 429, headers: { "Retry-After": "1" } } });
    const started = Date.now();
    const result = await runCli(["push", module.path, `${proxy.host}/faults/slow:v1`, "--format", "cncf"]);
    const elapsed = Date.now() - started;
    assert.equal(result.code, 0, result.stderr);
    assert.ok(elapsed >= 1000, `waited ${elapsed} ms`);
    const heads = proxy.requests.filter((r) => r.method === "HEAD");
    assert.equal(heads[0]!.status, 429);
    assert.equal(heads[1]!.path, heads[0]!.path, "the same HEAD again after the wait");
    assert.deepEqual(await assertNoTagWithMissingBlobs("faults/slow"), ["v1"]);
  });

  it("a registry that keeps failing the manifest: one line after bounded retries, no tag", async () => {
    proxy.reset();
    proxy.addFault({ method: "PUT", path: /\/manifests\//, times: 1000, action: { kind: "respond", status: 503 } });
    try {
      const result = await runCli(["push", module.path, `${proxy.host}/faults/down:v1`]);
      const line = assertOneLine(result);
      assert.match(line, /^error: pushing the manifest to 127\.0\.0\.1:[0-9]+\/faults\/down:v1 failed: unknown: injected 503 \(after 5 attempts\)$/);
      assert.equal(proxy.requests.filter((r) => r.path.includes("/manifests/")).length, 5);
    } finally {
      proxy.clearFaults();
    }
    assert.deepEqual(await assertNoTagWithMissingBlobs("faults/down"), []);
  });

  it("uploads that always drop: one line after bounded sessions, and no manifest is ever sent", async () => {
    proxy.reset();
    proxy.addFault({ method: "PUT", path: UPLOAD_PUT, times: 1000, action: { kind: "drop-mid-body" } });
    try {
      const result = await runCli(["push", module.path, `${proxy.host}/faults/broken:v1`, "--format", "oras"]);
      const line = assertOneLine(result);
      assert.match(line, /^error: cannot reach 127\.0\.0\.1:[0-9]+: .*\(uploading sha256:[0-9a-f]{64}, 3 sessions\)$/);
      assert.equal(proxy.requests.filter((r) => r.path.includes("/manifests/")).length, 0);
      assert.equal(proxy.blobUploads().filter((r) => r.method === "POST").length, 3);
    } finally {
      proxy.clearFaults();
    }
    assert.deepEqual(await assertNoTagWithMissingBlobs("faults/broken"), []);
  });

  it("a second push of the same artifact uploads no blob bytes", async () => {
    const first = await runCli(["push", module.path, `${proxy.host}/faults/again:v1`]);
    assert.equal(first.code, 0, first.stderr);
    proxy.reset();
    const second = await runCli(["push", module.path, `${proxy.host}/faults/again:v2`]);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, first.stdout, "same manifest digest");
    assert.match(second.stderr, /0 blobs uploaded, 2 already present/);
    assert.deepEqual(proxy.blobUploads(), []);
    assert.equal(proxy.uploadedBytes(), 0);
    assert.deepEqual(proxy.requests.map((r) => `${r.method} ${r.status}`), ["HEAD 200", "HEAD 200", "PUT 201"]);
    const manifestPut = proxy.requests.at(-1)!;
    assert.equal(manifestPut.contentType, "application/vnd.oci.image.manifest.v1+json", "Content-Type is the manifest's mediaType");
  });
});

describe("refused before any network traffic", () => {
  it("not a wasm module, no proxy_abi_version export, malformed reference, bad options", async () => {
    const dir = tempDir();
    const notWasm = join(dir, "filter.wasm");
    writeFileSync(notWasm, "#!/bin/sh\necho not wasm\n");
    const noAbi = join(dir, "plain.wasm");
    writeFileSync(noAbi, await compileWat('(module (func (export "_start")))'));
    const ref = `${proxy.host}/faults/refused:v1`;
    proxy.reset();
    const cases: Array<[string[], RegExp, string?]> = [
      [["push", notWasm, ref], /^error: .*filter\.wasm: not a wasm module \(no \\0asm magic\)$/],
      [["push", noAbi, ref], /^error: .*plain\.wasm exports no proxy_abi_version_\* function: .* \(use --force to push it anyway\)$/],
      [["push", module.path, "faults/refused:v1"], /^error: malformed reference "faults\/refused:v1": "faults" is not a registry host/],
      [["push", module.path, `${proxy.host}/Faults/UPPER`], /^error: malformed reference .*not a valid repository name/],
      [["push", module.path, ref, "--format", "docker"], /^error: unknown format "docker" \(use wasme, compat, cncf, oras\)$/],
      [["push", module.path, ref, "--annotation", "novalue"], /^error: --annotation "novalue" is not key=value$/],
      [["push", module.path, ref, "--username", "alice"], /^error: --username needs --password-stdin/],
      [["push", module.path, ref, "--username", "alice", "--password-stdin"], /^error: --password-stdin: standard input is empty$/, ""],
      [["push", module.path, `${ref}@sha256:${"0".repeat(64)}`], /^error: .* names digest sha256:0{64}, but this artifact's manifest is sha256:/],
      [["push", module.path, ref, "--bogus"], /^error: unknown option --bogus for push \(try --help\)$/],
      [["pull", "not-a-reference"], /^error: malformed reference/],
      [["inspect", ref, "--raw", "--json"], /^error: --raw and --json exclude each other$/],
    ];
    const results = await Promise.all(cases.map(([args, , input]) => runCli(args, input === undefined ? {} : { input })));
    for (const [i, [args, pattern]] of cases.entries()) {
      const result = results[i]!;
      assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.equal(result.stderr.trimEnd().split("\n").length, 1, result.stderr);
      assert.match(result.stderr.trimEnd(), pattern);
    }
    assert.deepEqual(proxy.requests, [], "no request reached the registry");
    const forced = await runCli(["push", noAbi, ref, "--force"]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stderr, /^warning: .*plain\.wasm exports no proxy_abi_version_\* function/);
  });
});
