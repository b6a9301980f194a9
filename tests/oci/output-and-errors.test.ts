/**
 * What a pull writes and what the commands say: `-o` is written atomically (nothing on a failed pull,
 * no temporary files left, a symlink replaced rather than followed), an unwritable `-o` is a usage
 * error before any request; registry text is printed escaped; usage errors for layouts; a loopback
 * registry that speaks HTTPS (Debian's docker-registry with TLS) is named as such.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startFakeRegistry, wasmeManifest, type FakeRegistry } from "./fake-registry.ts";
import { addHeaderModule, cliBundle, removeTempDirs, runCli, tempDir, type ModuleFixture, type RunResult } from "./fixtures.ts";
import { startRegistry } from "../../testkit/registry-harness.ts";

let module: ModuleFixture;
let registry: FakeRegistry;
let layer: string;
before(async () => {
  module = await addHeaderModule();
  registry = await startFakeRegistry();
  const configBytes = new TextEncoder().encode('{"type":"envoy_proxy","abiVersions":["v0.2.1"],"config":{"rootIds":["f"]}}');
  const config = registry.addBlob(configBytes);
  layer = registry.addBlob(module.bytes);
  const descriptors = [{ digest: config, size: configBytes.byteLength }, { digest: layer, size: module.bytes.byteLength }] as const;
  registry.addManifest("v1", wasmeManifest(...descriptors));
  registry.addManifest(
    "forged",
    wasmeManifest(...descriptors, { "note\u001b[2J": "clear\u001b[2J\nerror: forged line", "org.opencontainers.image.description": "rtl \u202eevil" }),
  );
});
after(async () => {
  await registry?.stop();
  removeTempDirs();
});

function oneLine(result: RunResult, code: number): string {
  assert.equal(result.code, code, result.stderr);
  const lines = result.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, result.stderr);
  return lines[0]!;
}

describe("pull -o", () => {
  it("a failed pull leaves neither the file nor a temporary one", async () => {
    const dir = tempDir();
    registry.route = (req, res) => {
      if (req.method !== "GET" || !req.url?.endsWith(`/blobs/${layer}`)) return false;
      const bytes = Buffer.from(module.bytes);
      bytes[bytes.length - 1] ^= 0xff;
      res.writeHead(200, { "Content-Length": String(bytes.length) }).end(bytes);
      return true;
    };
    try {
      const result = await runCli(["pull", `${registry.host}/wasm/f:v1`, "-o", join(dir, "f.wasm")]);
      assert.match(oneLine(result, 1), /^error: digest mismatch for blob sha256:/);
      assert.deepEqual(readdirSync(dir), []);
    } finally {
      registry.route = undefined;
    }
  });

  it("replaces a symlink at the destination instead of writing through it", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "precious"), "keep me");
    symlinkSync(join(dir, "precious"), join(dir, "f.wasm"));
    const result = await runCli(["pull", `${registry.host}/wasm/f:v1`, "-o", join(dir, "f.wasm")]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(readFileSync(join(dir, "precious"), "utf8"), "keep me");
    assert.ok(lstatSync(join(dir, "f.wasm")).isFile());
    assert.deepEqual(new Uint8Array(readFileSync(join(dir, "f.wasm"))), module.bytes);
    assert.deepEqual(readdirSync(dir).sort(), ["f.wasm", "precious"]);
  });

  it("an -o that cannot be written is a usage error before any request", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "file"), "");
    mkdirSync(join(dir, "sub"));
    registry.requests.length = 0;
    const cases: Array<[string, string]> = [
      [join(dir, "missing", "f.wasm"), `directory ${join(dir, "missing")} does not exist`],
      [join(dir, "sub"), "it is a directory"],
      [join(dir, "file", "f.wasm"), `${join(dir, "file")} is not a directory`],
    ];
    for (const [output, why] of cases) {
      const result = await runCli(["pull", `${registry.host}/wasm/f:v1`, "-o", output]);
      assert.equal(oneLine(result, 2), `error: cannot write ${output}: ${why}`);
    }
    assert.deepEqual(registry.requests, [], "no request was sent");
  });

  it("an interrupted pull (SIGINT while the registry stalls) leaves nothing behind and exits 130", async () => {
    const dir = tempDir();
    registry.route = (req, res) => {
      if (req.method !== "GET" || !req.url?.endsWith(`/blobs/${layer}`)) return false;
      res.writeHead(200, { "Content-Length": String(module.bytes.byteLength) });
      res.write(module.bytes.subarray(0, 8)); // then nothing, until the client goes
      return true;
    };
    try {
      const child = spawn(process.execPath, [await cliBundle(), "pull", `${registry.host}/wasm/f:v1`, "-o", join(dir, "f.wasm")], {
        env: { ...process.env, DOCKER_CONFIG: tempDir() },
        stdio: "ignore",
      });
      const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
      await new Promise((r) => setTimeout(r, 300));
      for (let i = 0; i < 50 && readdirSync(dir).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(readdirSync(dir).length, 1, "the temporary file exists while the pull runs");
      child.kill("SIGINT");
      assert.equal(await exited, 130);
      assert.deepEqual(readdirSync(dir), []);
    } finally {
      registry.route = undefined;
    }
  });

  it('"-" writes the verified module to stdout', async () => {
    const result = await runCli(["pull", `${registry.host}/wasm/f:v1`, "-o", "-"]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(new Uint8Array(result.stdoutBytes), module.bytes);
  });
});

describe("registry text is printed escaped", () => {
  it("annotations cannot clear the screen or forge lines; --json stays parseable", async () => {
    const text = await runCli(["inspect", `${registry.host}/wasm/f:forged`]);
    assert.equal(text.code, 0, text.stderr);
    assert.ok(!/[\u001b\u202e]/.test(text.stdout), "no raw control characters");
    assert.ok(text.stdout.includes("  note\\x1b[2J: clear\\x1b[2J error: forged line\n"), text.stdout);
    assert.ok(text.stdout.includes("rtl \\u202eevil"));
    assert.ok(!/^error:/m.test(text.stdout), "no line starts with error:");
    const json = await runCli(["inspect", `${registry.host}/wasm/f:forged`, "--json"]);
    const parsed = JSON.parse(json.stdout) as { manifest: { annotations: Record<string, string> } };
    assert.equal(parsed.manifest.annotations["note\u001b[2J"], "clear\u001b[2J\nerror: forged line");
    assert.ok(!json.stdout.includes("\u001b"));
  });

  it("a registry error message with control characters stays on one escaped line", async () => {
    registry.route = (req, res) => {
      if (!req.url?.endsWith("/manifests/evil")) return false;
      res.writeHead(404, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ errors: [{ code: "MANIFEST_UNKNOWN", message: "gone\r\ndigest: sha256:forged\u0007" }] }));
      return true;
    };
    try {
      const result = await runCli(["inspect", `${registry.host}/wasm/f:evil`]);
      assert.equal(oneLine(result, 1), `error: fetching manifest ${registry.host}/wasm/f:evil failed: manifest unknown: gone digest: sha256:forged\\x07`);
    } finally {
      registry.route = undefined;
    }
  });
});

describe("layouts and registries that are not what they seem", () => {
  it("--oci-layout DIR that does not exist, or is not a layout, says so (exit 2)", async () => {
    const missing = join(tempDir(), "nowhere");
    const notLayout = tempDir();
    writeFileSync(join(notLayout, "README"), "hello");
    assert.equal(oneLine(await runCli(["pull", "--oci-layout", missing, "v1", "-o", join(tempDir(), "f.wasm")]), 2), `error: OCI layout ${missing} does not exist`);
    assert.equal(oneLine(await runCli(["inspect", "--oci-layout", notLayout, "v1"]), 2), `error: ${notLayout} is not an OCI image layout (no oci-layout file)`);
    assert.equal(
      oneLine(await runCli(["push", module.path, "v1", "--oci-layout", notLayout]), 2),
      `error: ${notLayout} is not an OCI image layout (no oci-layout file) and not empty`,
    );
    assert.deepEqual(readdirSync(notLayout), ["README"], "nothing was written into it");
  });

  it("a loopback registry that speaks HTTPS: use --no-plain-http, not 400 Bad Request", async () => {
    const tls = await startRegistry("none", { tls: true });
    try {
      for (const args of [["inspect", `${tls.host}/wasm/f:v1`], ["push", module.path, `${tls.host}/wasm/f:v1`]]) {
        const result = await runCli(args);
        assert.equal(oneLine(result, 1), `error: ${tls.host} speaks HTTPS, not plain HTTP; use --no-plain-http`);
      }
    } finally {
      await tls.stop();
    }

  });
});
