// WasmPlugin.spec.sha256 for a pushed reference is the manifest digest an independent client sees:
// `skopeo inspect --raw | sha256sum`, against real registries (docker-registry, without auth and with
// htpasswd Basic auth read from Docker's config.json).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { push, type ClientOptions } from "../../scripts/oci/index.ts";
import { startRegistry, type Registry } from "../../testkit/registry-harness.ts";
import {
  FILTER_WASM_SHA256,
  FILTER_WAT,
  filterWat,
  bundleCli,
  compileWat,
  crdValidator,
  parseYamlStream,
  tempDir,
  type TempDir,
} from "./helpers.ts";

/** `skopeo inspect --raw ... | sha256sum`, literally. */
function skopeoManifestSha256(reference: string, creds?: string): string {
  const credsFlag = creds ? `--creds '${creds}' ` : "";
  const result = spawnSync(
    "bash",
    ["-o", "pipefail", "-c", `skopeo inspect --raw --tls-verify=false ${credsFlag}docker://${reference} | sha256sum`],
    { encoding: "utf8", timeout: 30_000 },
  );
  assert.equal(result.status, 0, result.stderr);
  const [hex] = result.stdout.trim().split(/\s+/);
  assert.match(hex!, /^[a-f0-9]{64}$/);
  return hex!;
}

describe("manifests wasmplugin --image against a real registry", () => {
  let dir: TempDir;
  let cli: string;
  let plain: Registry;
  let basic: Registry;
  let wasm: Uint8Array;
  let otherWasm: Uint8Array;
  let emptyDockerConfig: string;
  let basicDockerConfig: string;
  const validate = crdValidator("istio-wasmplugin-crd.yaml", "v1alpha1");

  before(async () => {
    dir = tempDir();
    [cli, plain, basic, wasm, otherWasm] = await Promise.all([
      bundleCli(dir.path),
      startRegistry("none"),
      startRegistry("basic"),
      compileWat(FILTER_WAT),
      compileWat(filterWat('\n  (func (export "other"))')),
    ]);
    emptyDockerConfig = join(dir.path, "docker-empty");
    mkdirSync(emptyDockerConfig);
    basicDockerConfig = join(dir.path, "docker-basic");
    mkdirSync(basicDockerConfig);
    const auth = Buffer.from(`${basic.username}:${basic.password}`).toString("base64");
    writeFileSync(join(basicDockerConfig, "config.json"), JSON.stringify({ auths: { [basic.host]: { auth } } }));
  });
  after(async () => {
    await Promise.all([plain?.stop(), basic?.stop()]);
    dir.remove();
  });

  async function pushModule(reference: string, format: "wasme" | "compat", bytes: Uint8Array, options: ClientOptions = {}) {
    const input = { wasm: bytes, fileName: "filter.wasm", rootId: "add_header", abiVersions: ["v0.2.1"] };
    return push(reference, format, input, { dockerConfig: false, ...options });
  }

  /** Runs `manifests` for the workloads labelled app=productpage (unless the arguments select otherwise). */
  function manifests(args: string[], dockerConfig = emptyDockerConfig, input = "") {
    const selected = args.includes("-l") ? args : [...args, "-l", "app=productpage"];
    const result = spawnSync(process.execPath, [cli, "manifests", ...selected], {
      encoding: "utf8",
      env: { ...process.env, DOCKER_CONFIG: dockerConfig },
      input,
      timeout: 60_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  function wasmPluginOf(stdout: string): any {
    const documents = parseYamlStream(stdout) as any[];
    assert.equal(documents.length, 1);
    assert.ok(validate(documents[0]), JSON.stringify(validate.errors));
    return documents[0];
  }

  for (const format of ["wasme", "compat"] as const) {
    it(`sha256 = skopeo's manifest digest (${format} format, no auth)`, async () => {
      const reference = `${plain.host}/wasm/add-header:${format}`;
      const pushed = await pushModule(reference, format, wasm);
      const result = manifests(["wasmplugin", "--image", reference, "-l", "app=productpage"]);
      assert.equal(result.status, 0, result.stderr);
      const plugin = wasmPluginOf(result.stdout);
      const expected = skopeoManifestSha256(reference);
      assert.equal(plugin.spec.sha256, expected);
      assert.equal(`sha256:${expected}`, pushed.digest, "the push client reports the same digest");
      assert.notEqual(plugin.spec.sha256, FILTER_WASM_SHA256, "not the module's own hash");
      assert.equal(plugin.spec.url, `oci://${reference}`);
      assert.equal(plugin.spec.pluginName, "add_header");
    });
  }

  it("follows the tag: a new push under the same tag gives the new digest", async () => {
    const reference = `${plain.host}/wasm/moving:v1`;
    await pushModule(reference, "wasme", wasm);
    const first = wasmPluginOf(manifests(["wasmplugin", "--image", reference]).stdout).spec.sha256;
    await pushModule(reference, "wasme", otherWasm);
    const second = wasmPluginOf(manifests(["wasmplugin", "--image", reference]).stdout).spec.sha256;
    assert.notEqual(first, second);
    assert.equal(second, skopeoManifestSha256(reference));
  });

  it("Basic auth: credentials from Docker's config.json or --username/--password-stdin", async () => {
    const reference = `${basic.host}/wasm/private:v1`;
    await pushModule(reference, "wasme", wasm, { credentials: { username: basic.username, password: basic.password } });
    const expected = skopeoManifestSha256(reference, `${basic.username}:${basic.password}`);
    const ok = manifests(["wasmplugin", "--image", reference, "--pull-secret", "regcred"], basicDockerConfig);
    assert.equal(ok.status, 0, ok.stderr);
    const plugin = wasmPluginOf(ok.stdout);
    assert.equal(plugin.spec.sha256, expected);
    assert.equal(plugin.spec.imagePullSecret, "regcred");
    const fromStdin = manifests(
      ["wasmplugin", "--image", reference, "-u", basic.username, "--password-stdin"],
      emptyDockerConfig,
      `${basic.password}\n`,
    );
    assert.equal(fromStdin.status, 0, fromStdin.stderr);
    assert.equal(wasmPluginOf(fromStdin.stdout).spec.sha256, expected);
    const wrong = manifests(["wasmplugin", "--image", reference, "-u", basic.username, "--password-stdin"], emptyDockerConfig, "nope-not-it\n");
    assert.equal(wrong.status, 1);
    assert.ok(!wrong.stderr.includes("nope-not-it"), "the password is never printed");
    const denied = manifests(["wasmplugin", "--image", reference]);
    assert.equal(denied.status, 1, "no credentials: the lookup fails");
    assert.match(denied.stderr, /^error: .+\n$/);
    assert.ok(!denied.stderr.includes(basic.password));
  });

  it("says which pull secret the cluster needs when the registry asked for credentials and none was given", async () => {
    const reference = `${basic.host}/wasm/secret-hint:v1`;
    await pushModule(reference, "wasme", wasm, { credentials: { username: basic.username, password: basic.password } });
    const hinted = manifests(["wasmplugin", "--image", reference], basicDockerConfig);
    assert.equal(hinted.status, 0, hinted.stderr);
    assert.match(hinted.stdout, new RegExp(`^# ${basic.host.replace(/\./g, "\\.")} asked for credentials, so the cluster needs them too: create a Secret and name it with --pull-secret \\(imagePullSecret\\), e\\.g\\.:$`, "m"));
    assert.match(hinted.stdout, new RegExp(`^# kubectl create secret docker-registry regcred -n default --docker-server=${basic.host.replace(/\./g, "\\.")} `, "m"));
    assert.ok(!hinted.stdout.includes(basic.password), "no secret in the output");
    const asm = manifests(["asm", "--image", reference], basicDockerConfig);
    assert.match(asm.stdout, /^# .* ASM's controller reads them from the Secret istio-system\/asmwasm-cache:\n# kubectl create secret generic asmwasm-cache -n istio-system /m);
    const given = manifests(["wasmplugin", "--image", reference, "--pull-secret", "regcred"], basicDockerConfig);
    assert.doesNotMatch(given.stdout, /asked for credentials/);
    const anonymous = `${plain.host}/wasm/secret-hint:v1`;
    await pushModule(anonymous, "wasme", wasm);
    assert.doesNotMatch(manifests(["wasmplugin", "--image", anonymous]).stdout, /asked for credentials/);
  });

  it("a tag that does not exist fails with exit 1 and one line", () => {
    const result = manifests(["wasmplugin", "--image", `${plain.host}/wasm/add-header:nope`]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^error: .+\n$/);
    assert.equal(result.stdout, "");
  });
});
