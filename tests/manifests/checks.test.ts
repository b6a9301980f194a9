// What manifests checks against the module itself, with a real registry (docker-registry) and the real
// add-header example: root ids come from the artifact's runtime config, and the configuration is run in
// the emulator before anything is emitted.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { buildArtifact, bytesContent, openStore, parseReference, push, sha256Digest, MediaType } from "../../scripts/oci/index.ts";
import { startRegistry, type Registry } from "../../testkit/registry-harness.ts";
import { FILTER_WAT, TINY_WAT_WITHOUT_MALLOC, bundleCli, compileWat, parseYamlStream, repoRoot, tempDir, type TempDir } from "./helpers.ts";

/** Pushes a wasme-format artifact whose runtime config records `rootIds` (push itself records one). */
async function pushWithRootIds(reference: string, wasm: Uint8Array, rootIds: string[]): Promise<void> {
  const built = await buildArtifact("wasme", { wasm, fileName: "filter.wasm", rootId: rootIds[0]!, abiVersions: ["v0.2.1"] });
  const config = new TextEncoder().encode(JSON.stringify({ type: "envoy_proxy", abiVersions: ["v0.2.1"], config: { rootIds } }));
  const configDescriptor = { mediaType: MediaType.wasmeConfig, digest: sha256Digest(config), size: config.byteLength };
  const wasmLayer = built.manifest.layers[1]!;
  const manifest = new TextEncoder().encode(
    JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config: configDescriptor, layers: [configDescriptor, wasmLayer] }),
  );
  const ref = parseReference(reference);
  const store = openStore(ref, { dockerConfig: false }, "pull,push");
  await store.push(configDescriptor, () => bytesContent(config).open());
  await store.push(wasmLayer, () => bytesContent(wasm).open());
  await store.pushManifest(ref.tag!, MediaType.ociManifest, manifest);
}

describe("manifests checks the module: root ids and configuration", () => {
  let dir: TempDir;
  let cli: string;
  let registry: Registry;
  let filter: Uint8Array;
  const addHeaderPath = join(repoRoot, "build", "add-header.wasm");

  before(async () => {
    assert.ok(existsSync(addHeaderPath), "build/add-header.wasm is missing: run `npm run asbuild`");
    dir = tempDir();
    [cli, registry, filter] = await Promise.all([bundleCli(dir.path), startRegistry("none"), compileWat(FILTER_WAT)]);
    const addHeader = new Uint8Array(readFileSync(addHeaderPath));
    const input = (wasm: Uint8Array, rootId: string) => ({ wasm, fileName: "filter.wasm", rootId, abiVersions: ["v0.2.1"] });
    await Promise.all([
      push(`${registry.host}/checks/header-stamp:v1`, "wasme", input(filter, "my_filter"), { dockerConfig: false }),
      push(`${registry.host}/checks/add-header:v1`, "wasme", input(addHeader, "add_header"), { dockerConfig: false }),
      push(`${registry.host}/checks/broken:v1`, "wasme", input(await compileWat(TINY_WAT_WITHOUT_MALLOC), "broken"), { dockerConfig: false }),
      pushWithRootIds(`${registry.host}/checks/two-roots:v1`, filter, ["first_root", "second_root"]),
    ]);
  });
  after(async () => {
    await registry?.stop();
    dir.remove();
  });

  /** Runs `manifests` for the workloads labelled app=web (unless the arguments select otherwise). */
  function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const selected = args.includes("-l") ? args : [...args, "-l", "app=web"];
    const result = spawnSync(process.execPath, [cli, "manifests", ...selected], {
      encoding: "utf8",
      env: { ...process.env, DOCKER_CONFIG: join(dir.path, "no-docker-config") },
      timeout: 60_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  function refused(result: { status: number | null; stdout: string; stderr: string }, pattern: RegExp): void {
    assert.equal(result.status, 2, result.stdout + result.stderr);
    assert.equal(result.stdout, "");
    assert.equal(result.stderr.split("\n").length, 2, `one line: ${result.stderr}`);
    assert.match(result.stderr, pattern);
  }

  it("the root id is the one the artifact records, not the repository name", () => {
    const reference = `${registry.host}/checks/header-stamp:v1`;
    const plugin = run(["wasmplugin", "--image", reference]);
    assert.equal(plugin.status, 0, plugin.stderr);
    assert.equal((parseYamlStream(plugin.stdout)[0] as any).spec.pluginName, "my_filter");
    const asm = run(["asm", "--image", reference, "-l", "app=web"]);
    assert.equal((parseYamlStream(asm.stdout)[0] as any).spec.filter.rootID, "my_filter");
    const wasme = run(["wasme", "--image", reference]);
    assert.equal((parseYamlStream(wasme.stdout)[0] as any).spec.filter.rootID, "my_filter");
    refused(run(["wasmplugin", "--image", reference, "--root-id", "header_stamp"]), /^error: --root-id "header_stamp" is not a root id the artifact records \("my_filter"\)\n$/);
  });

  it("several recorded root ids: --root-id is required and must be one of them", () => {
    const reference = `${registry.host}/checks/two-roots:v1`;
    refused(run(["wasmplugin", "--image", reference]), /^error: the artifact records several root ids \("first_root", "second_root"\); choose one with --root-id\n$/);
    const chosen = run(["wasmplugin", "--image", reference, "--root-id", "second_root"]);
    assert.equal(chosen.status, 0, chosen.stderr);
    assert.equal((parseYamlStream(chosen.stdout)[0] as any).spec.pluginName, "second_root");
    refused(run(["asm", "--image", reference, "-l", "app=web", "--root-id", "third_root"]), /is not a root id the artifact records/);
  });

  it("a configuration the filter rejects is refused with the filter's own critical line (file, example, image)", () => {
    const bad = '{"header":"x-hello"}';
    const expected = /rejects its configuration \(onConfigure returned false\): "add_header: configuration needs string members \\"name\\" \(not empty\) and \\"value\\""; fix --config, or skip this check \(--no-verify-config\)\n$/;
    refused(run(["envoyfilter", "--wasm", addHeaderPath, "--config", bad]), expected);
    const example = spawnSync(process.execPath, [cli, "manifests", "envoyfilter", "add-header", "-l", "app=web", "--config", bad], { cwd: repoRoot, encoding: "utf8" });
    refused({ status: example.status, stdout: example.stdout, stderr: example.stderr }, expected);
    const image = `${registry.host}/checks/add-header:v1`;
    refused(run(["wasmplugin", "--image", image, "--config", bad]), new RegExp(`^error: ${image.replace(/\./g, "\\.")} ${expected.source.slice(0, 40)}`));
    refused(run(["wasme", "--image", image, "--config", '{"name":""}']), /onConfigure returned false/);

    const good = run(["wasmplugin", "--image", image, "--config", '{"name":"x-stamp","value":"1"}']);
    assert.equal(good.status, 0, good.stderr);
    assert.deepEqual((parseYamlStream(good.stdout)[0] as any).spec.pluginConfig, { name: "x-stamp", value: "1" });
    const skipped = run(["envoyfilter", "--wasm", addHeaderPath, "--config", bad, "--no-verify-config"]);
    assert.equal(skipped.status, 0, skipped.stderr);
  });

  it("a module that would not start in Envoy is refused", () => {
    refused(run(["wasmplugin", "--image", `${registry.host}/checks/broken:v1`]), /does not start in the emulator \(MissingFunction: "Wasm module is missing malloc function\."\)/);
    const skipped = run(["wasmplugin", "--image", `${registry.host}/checks/broken:v1`, "--no-verify-config"]);
    assert.equal(skipped.status, 0, skipped.stderr);
  });
});
