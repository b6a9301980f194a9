/**
 * The commands as a user meets them: --help, example names (build/<name>.wasm, default root id),
 * the default OCI layout target (readable by skopeo), annotations, inspect's views, pull to stdout,
 * and the library's resolveDigest for the manifests command.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { digestHex, resolveDigest } from "../../scripts/oci/index.ts";
import { addHeaderModule, cliBundle, paddedModule, removeTempDirs, run, runCli, skopeo, tempDir, type ModuleFixture } from "./fixtures.ts";
import { startRegistry, type Registry } from "../../testkit/registry-harness.ts";

let module: ModuleFixture;
let registry: Registry;
let project: string;

before(async () => {
  module = await addHeaderModule();
  registry = await startRegistry("none");
  // A project directory like the repo's: build/<name>.wasm, examples/<name>/main.ts.
  project = tempDir("oci-project-");
  mkdirSync(join(project, "build"));
  for (const name of ["add-header", "user-agent-logger"]) {
    mkdirSync(join(project, "examples", name), { recursive: true });
    writeFileSync(join(project, "examples", name, "main.ts"), "");
  }
  copyFileSync(module.path, join(project, "build", "add-header.wasm"));
});
after(async () => {
  await registry?.stop();
  removeTempDirs();
});

const configOf = async (reference: string): Promise<{ config?: { rootIds: string[] } }> => {
  const result = await skopeo(["inspect", "--config", "--raw", "--tls-verify=false", `docker://${reference}`]);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as { config?: { rootIds: string[] } };
};

describe("CLI", () => {
  it("--help works on push, pull and inspect, and lists them in the overview", async () => {
    for (const command of ["push", "pull", "inspect"]) {
      const result = await runCli([command, "--help"]);
      assert.equal(result.code, 0);
      assert.match(result.stdout, new RegExp(`^Usage: proxy-wasm ${command} `));
      assert.match(result.stdout, /--plain-http/);
    }
    const push = await runCli(["push", "--help"]);
    for (const format of ["wasme", "compat", "cncf", "oras"]) assert.match(push.stdout, new RegExp(`\\n  ${format} `));
    const overview = await runCli(["--help"]);
    for (const command of ["push", "pull", "inspect"]) assert.match(overview.stdout, new RegExp(`\\n  ${command} +\\S`));
  });

  it("an example name means build/<name>.wasm, with the example's root id unless --root-id says otherwise", async () => {
    const byName = `${registry.host}/cli/example:name`;
    const result = await runCli(["push", "add-header", byName], { cwd: project });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^sha256:[0-9a-f]{64}\n$/);
    assert.match(result.stderr, new RegExp(`Istio WasmPlugin: url oci://${byName.replace(/\./g, "\\.")} +sha256 ${digestHex(result.stdout.trim())}`));
    assert.deepEqual((await configOf(byName)).config?.rootIds, ["add_header"]);

    const custom = `${registry.host}/cli/example:custom`;
    const overridden = await runCli(["push", "add-header", custom, "--root-id", "my_root"], { cwd: project });
    assert.equal(overridden.code, 0, overridden.stderr);
    assert.deepEqual((await configOf(custom)).config?.rootIds, ["my_root"]);

    const unbuilt = await runCli(["push", "user-agent-logger", byName], { cwd: project });
    assert.equal(unbuilt.code, 2);
    assert.match(unbuilt.stderr, /^error: examples\/user-agent-logger is not built: build\/user-agent-logger\.wasm is missing \(run `proxy-wasm build user-agent-logger`\)\n$/);
    const unknown = await runCli(["push", "no-such-filter", byName], { cwd: project });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^error: "no-such-filter" is neither a \.wasm file nor a built filter \(build\/no-such-filter\.wasm\)\n$/);
  });

  it("without a reference, push writes the OCI layout build/oci that skopeo can copy to a registry", async () => {
    const result = await runCli(["push", "add-header", "--format", "compat"], { cwd: project });
    assert.equal(result.code, 0, result.stderr);
    const digest = result.stdout.trim();
    assert.match(result.stderr, /skopeo copy oci:build\/oci:add-header/);
    assert.ok(existsSync(join(project, "build", "oci", "index.json")));
    const raw = await skopeo(["inspect", "--raw", `oci:${join(project, "build", "oci")}:add-header`]);
    assert.equal(raw.code, 0, raw.stderr);
    const target = `${registry.host}/cli/from-layout:v1`;
    const copy = await skopeo(["copy", "--dest-tls-verify=false", `oci:${join(project, "build", "oci")}:add-header`, `docker://${target}`]);
    assert.equal(copy.code, 0, copy.stderr);
    assert.equal(await resolveDigest(target), digest, "the registry holds the same manifest");
    const pulled = await runCli(["pull", "--oci-layout", "build/oci", "add-header", "-o", "-"], { cwd: project });
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.deepEqual(new Uint8Array(pulled.stdoutBytes), module.bytes);
  });

  it("--oci-layout DIR with a tag, --annotation, and --json for a layout", async () => {
    const dir = join(tempDir(), "out");
    const result = await runCli(["push", module.path, "v7", "--oci-layout", dir, "--annotation", "team=edge", "--annotation", "note=a=b", "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout) as { reference: string; digest: string };
    assert.equal(json.reference, `oci-layout:${dir}:v7`);
    const raw = await skopeo(["inspect", "--raw", `oci:${dir}:v7`]);
    const manifest = JSON.parse(raw.stdout) as { annotations: Record<string, string> };
    assert.equal(manifest.annotations.team, "edge");
    assert.equal(manifest.annotations.note, "a=b");
    assert.equal(manifest.annotations["module.wasm.runtime/type"], "envoy_proxy");
  });

  it("inspect shows digest, format and Istio's verdict; --raw is skopeo's --raw; --json is structured", async () => {
    const reference = `${registry.host}/cli/inspect:oras`;
    const pushed = await runCli(["push", module.path, reference, "--format", "oras"]);
    assert.equal(pushed.code, 0, pushed.stderr);
    const digest = pushed.stdout.trim();

    const text = await runCli(["inspect", reference]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^reference:  ${reference.replace(/\./g, "\\.")}\ndigest:     ${digest}\n`));
    assert.match(text.stdout, /\nformat:     oras\n/);
    assert.match(text.stdout, /\nistio:      rejects it \(number of layers must be 2 but got 1\)\n/);

    const raw = await runCli(["inspect", reference, "--raw"]);
    const theirs = await skopeo(["inspect", "--raw", "--tls-verify=false", `docker://${reference}`]);
    assert.deepEqual(raw.stdoutBytes, theirs.stdoutBytes);

    const json = await runCli(["inspect", reference, "--json"]);
    const parsed = JSON.parse(json.stdout) as { digest: string; format: string; config: { content: unknown }; layers: unknown[]; istio: { ok: boolean } };
    assert.equal(parsed.digest, digest);
    assert.equal(parsed.format, "oras");
    assert.deepEqual(parsed.config.content, JSON.parse((await skopeo(["inspect", "--config", "--raw", "--tls-verify=false", `docker://${reference}`])).stdout));
    assert.equal(parsed.layers.length, 1);
    assert.equal(parsed.istio.ok, false);
  });

  it("resolveDigest (the manifests command's entry) returns the pushed manifest digest", async () => {
    const reference = `${registry.host}/cli/resolve:v1`;
    const pushed = await runCli(["push", module.path, reference]);
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.equal(await resolveDigest(reference), pushed.stdout.trim());
    assert.equal(await resolveDigest(`${reference}@${pushed.stdout.trim()}`), pushed.stdout.trim());
    await assert.rejects(resolveDigest(`${registry.host}/cli/resolve:missing`), /manifest unknown/);
  });

  it("HTTPS against a plain-HTTP registry fails at once in one line with a hint; a dead port too", async () => {
    const started = Date.now();
    const tls = await runCli(["push", module.path, `${registry.host}/cli/tls:v1`, "--no-plain-http"]);
    assert.equal(tls.code, 1);
    assert.equal(tls.stderr, `error: cannot reach ${registry.host}: TLS handshake failed (ERR_SSL_WRONG_VERSION_NUMBER); is it a plain-HTTP registry? try --plain-http\n`);
    assert.ok(Date.now() - started < 5000, "a TLS mismatch is not retried");
    const dead = await runCli(["inspect", "127.0.0.1:1/cli/x:v1"]);
    assert.equal(dead.code, 1);
    assert.match(dead.stderr, /^error: cannot reach 127\.0\.0\.1:1: .+\n$/);
  });

  it("HTTPS: a TLS registry works with its CA trusted, and an untrusted certificate is one line", async () => {
    const tls = await startRegistry("none", { tls: true });
    try {
      const reference = `${tls.host}/cli/tls:v1`;
      const untrusted = await runCli(["push", module.path, reference, "--no-plain-http"]);
      assert.equal(untrusted.code, 1);
      assert.match(untrusted.stderr, /^error: cannot reach 127\.0\.0\.1:[0-9]+: TLS certificate is self-signed \(DEPTH_ZERO_SELF_SIGNED_CERT\); trust its CA with NODE_EXTRA_CA_CERTS=<ca\.pem>\n$/);
      const trusted = await runCli(["push", module.path, reference, "--no-plain-http"], { env: { NODE_EXTRA_CA_CERTS: tls.caPath } });
      assert.equal(trusted.code, 0, trusted.stderr);
      const raw = await skopeo(["inspect", "--raw", "--tls-verify=false", `docker://${reference}`]);
      assert.equal(raw.code, 0, raw.stderr);
      assert.equal(`sha256:${createHash("sha256").update(raw.stdoutBytes).digest("hex")}`, trusted.stdout.trim());
    } finally {
      await tls.stop();
    }
  });

  it("progress for blobs over 1 MiB appears on a terminal (under script(1)) and not on a pipe", async () => {
    const big = join(tempDir(), "big.wasm");
    writeFileSync(big, await paddedModule(2 * 1024 * 1024));
    const reference = `${registry.host}/cli/progress:v1`;
    const piped = await runCli(["push", big, reference]);
    assert.equal(piped.code, 0, piped.stderr);
    assert.doesNotMatch(piped.stderr, /pushing sha256/);
    const out = join(tempDir(), "pulled.wasm");
    const command = [process.execPath, await cliBundle(), "pull", reference, "-o", out].join(" ");
    const onTerminal = await run("script", ["-qec", command, "/dev/null"], { env: { DOCKER_CONFIG: tempDir() } });
    assert.equal(onTerminal.code, 0, onTerminal.stdout);
    assert.match(onTerminal.stdout, /pulling sha256:[0-9a-f]{12}… 2\.0\/2\.0 MiB 100%/);
    assert.deepEqual(readFileSync(out), readFileSync(big));
  });

  it("pull writes <repository>.wasm by default", async () => {
    const reference = `${registry.host}/cli/named-filter:v1`;
    assert.equal((await runCli(["push", module.path, reference])).code, 0);
    const cwd = tempDir();
    const result = await runCli(["pull", reference], { cwd });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(new Uint8Array(readFileSync(join(cwd, "named-filter.wasm"))), module.bytes);
  });
});
