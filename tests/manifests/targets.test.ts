// Refuse what the target cannot load, against a real registry (docker-registry): every push format
// judged by every image kind of `manifests`, the same verdicts in `inspect`, and push's deploy hints
// only for the targets that load what it pushed.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { push, type FormatName } from "../../scripts/oci/index.ts";
import { startRegistry, type Registry } from "../../testkit/registry-harness.ts";
import { FILTER_WAT, bundleCli, compileWat, tempDir, type TempDir } from "./helpers.ts";

/** Which image kinds load which push format (docs/oci.md §1; scripts/oci/targets.ts). */
const LOADS: Record<"wasmplugin" | "asm" | "wasme", readonly FormatName[]> = {
  wasmplugin: ["wasme", "compat"],
  asm: ["wasme", "oras"],
  wasme: ["wasme", "oras"],
};

describe("deployment targets refuse artifacts they cannot load (real registry)", () => {
  let dir: TempDir;
  let cli: string;
  let registry: Registry;
  let wasmFile: string;
  let wasm: Uint8Array;

  before(async () => {
    dir = tempDir();
    [cli, registry, wasm] = await Promise.all([bundleCli(dir.path), startRegistry("none"), compileWat(FILTER_WAT)]);
    wasmFile = dir.write("stamp.wasm", wasm);
    await Promise.all(
      (["wasme", "compat", "cncf", "oras"] as const).map((format) =>
        push(`${registry.host}/targets/stamp:${format}`, format, { wasm, fileName: "stamp.wasm", rootId: "stamp", abiVersions: ["v0.2.1"] }, { dockerConfig: false }),
      ),
    );
  });
  after(async () => {
    await registry?.stop();
    dir.remove();
  });

  function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, [cli, ...args], {
      encoding: "utf8",
      env: { ...process.env, DOCKER_CONFIG: join(dir.path, "no-docker-config") },
      timeout: 60_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  for (const [kind, formats] of Object.entries(LOADS)) {
    it(`${kind}: emits for ${formats.join(" and ")}, refuses the other formats with one line naming what to push`, () => {
      for (const format of ["wasme", "compat", "cncf", "oras"] as const) {
        const reference = `${registry.host}/targets/stamp:${format}`;
        const result = run(["manifests", kind, "--image", reference, "-l", "app=web"]);
        if (formats.includes(format)) {
          assert.equal(result.status, 0, `${kind} ${format}: ${result.stderr}`);
          assert.match(result.stdout, new RegExp(reference.replace(/\./g, "\\.")));
        } else {
          assert.equal(result.status, 2, `${kind} ${format}: ${result.stdout}`);
          assert.equal(result.stdout, "");
          assert.equal(result.stderr.split("\n").length, 2, "one line");
          assert.match(result.stderr, new RegExp(`^error: ${reference.replace(/\./g, "\\.")} is in the ${format} format, which .+ cannot load \\(.+\\); push it in the .+ format for ${kind}\\n$`));
        }
      }
    });
  }

  it("the Istio refusal is the one inspect states; --digest skips the registry and says so", () => {
    const reference = `${registry.host}/targets/stamp:oras`;
    const refused = run(["manifests", "wasmplugin", "--image", reference, "-l", "app=web"]);
    assert.match(refused.stderr, /\(number of layers must be 2 but got 1\); push it in the wasme or compat format for wasmplugin/);
    const inspected = JSON.parse(run(["inspect", reference, "--json"]).stdout);
    assert.deepEqual(inspected.targets.istio, { ok: false, reason: "number of layers must be 2 but got 1" });
    assert.equal(inspected.targets.asm.ok, true);
    assert.equal(inspected.targets.envoy.ok, true);
    const text = run(["inspect", `${registry.host}/targets/stamp:cncf`]).stdout;
    assert.match(text, /^ {2}asm {4}rejects it \(needs one layer of type application\/vnd\.module\.wasm\.content\.layer\.v1\+wasm, found 0\); push the oras or wasme format for it$/m);
    assert.match(text, /^ {2}envoy {2}loads it /m);

    const offline = run(["manifests", "wasmplugin", "--image", "127.0.0.1:1/targets/stamp:oras", "--digest", `sha256:${"0".repeat(64)}`, "--all-workloads", "--json"]);
    assert.equal(offline.status, 0, offline.stderr);
    assert.ok(JSON.parse(offline.stdout).notes.some((note: string) => note.startsWith("Not checked")));
  });

  it("push prints deploy hints only for the targets that load its format", () => {
    const oras = run(["push", wasmFile, `${registry.host}/targets/hint:oras`, "--format", "oras"]);
    assert.equal(oras.status, 0, oras.stderr);
    assert.doesNotMatch(oras.stderr, /Istio WasmPlugin: url/);
    assert.match(oras.stderr, /^not for Istio .*: number of layers must be 2 but got 1; push with --format wasme or compat$/m);
    assert.match(oras.stderr, new RegExp(`^asm: proxy-wasm manifests asm --image ${registry.host.replace(/\./g, "\\.")}/targets/hint:oras `, "m"));
    const cncf = run(["push", wasmFile, `${registry.host}/targets/hint:cncf`, "--format", "cncf"]);
    assert.equal(cncf.status, 0, cncf.stderr);
    assert.doesNotMatch(cncf.stderr, /^(Istio WasmPlugin|asm|wasme):/m);
    const wasme = run(["push", wasmFile, `${registry.host}/targets/hint:wasme`]);
    assert.match(wasme.stderr, /^Istio WasmPlugin: url oci:\/\//m);
    assert.doesNotMatch(wasme.stderr, /^not for/m);
  });
});
