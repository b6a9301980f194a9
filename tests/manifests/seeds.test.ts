// ASM and wasme resources match, field by field, the examples in the seed articles (tests/fixtures/seed-examples);
// the file-based WasmPlugin carries every field of seed 004's example.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { FILTER_WAT, compileWat, manifestsJson, seedExample, tempDir, type TempDir } from "./helpers.ts";

/** Seed 001 (Alibaba ASM docs): the ASMFilterDeployment of "filter.yaml". */
const asmSeed = () => seedExample("asm-filter-deployment.yaml");
/** Seed 002 (Istio blog on wasme): the FilterDeployment. */
const wasmeSeed = () => seedExample("wasme-filter-deployment.yaml");
/** Seed 004: the WasmPlugin loading a ConfigMap-mounted file. */
const wasmPluginSeed = () => seedExample("wasmplugin-file.yaml");

/** Asserts that every leaf of `expected` is present with the same value in `actual`; returns the leaf paths. */
function assertContains(actual: unknown, expected: unknown, path = ""): string[] {
  if (expected !== null && typeof expected === "object" && !Array.isArray(expected)) {
    assert.ok(actual !== null && typeof actual === "object", `${path || "(root)"} should be an object`);
    return Object.entries(expected).flatMap(([key, value]) =>
      assertContains((actual as Record<string, unknown>)[key], value, `${path}.${key}`),
    );
  }
  assert.deepEqual(actual, expected, `field ${path}`);
  return [path];
}

/** The seeds' registries are not reachable from a test: a given digest keeps the command offline. */
const GIVEN_DIGEST = `sha256:${"5e".repeat(32)}`;

describe("seed examples", () => {
  it("the seed extraction finds the examples", () => {
    assert.equal(asmSeed().kind, "ASMFilterDeployment");
    assert.equal(wasmeSeed().kind, "FilterDeployment");
    assert.equal(wasmPluginSeed().kind, "WasmPlugin");
  });

  it("asm: ASMFilterDeployment equals seed 001's example field by field", async () => {
    const seed = asmSeed();
    const { documents } = await manifestsJson([
      "asm",
      "--image", seed.spec.filter.image, "--digest", GIVEN_DIGEST,
      "--name", seed.metadata.name,
      "-l", "app=details", "-l", "version=v1",
      "--config", seed.spec.filter.parameters,
      "--root-id", seed.spec.filter.rootID,
      "--context", "SIDECAR_INBOUND",
    ]);
    assert.equal(documents.length, 1);
    const [asm] = documents;
    const leaves = assertContains(asm, seed);
    assert.ok(leaves.length >= 10, `compared ${leaves.join(", ")}`);
    // Same spec exactly (no extra fields), and the only metadata addition is the namespace that `id` names.
    assert.deepEqual(asm.spec, seed.spec);
    assert.deepEqual(Object.keys(asm).sort(), Object.keys(seed).sort());
    assert.deepEqual(asm.metadata, { ...seed.metadata, namespace: "default" });
    assert.equal(asm.spec.filter.id, `${asm.metadata.name}.${asm.metadata.namespace}`);
    // Types as in the seed: parameters is a string holding JSON.
    assert.equal(typeof asm.spec.filter.parameters, "string");
    assert.deepEqual(JSON.parse(asm.spec.filter.parameters), { name: "hello", value: "hello details" });
  });

  it("asm: the namespace flows into metadata and id", async () => {
    const { documents } = await manifestsJson([
      "asm", "--image", "registry.example.com/asm/f:v1", "--digest", GIVEN_DIGEST, "-n", "shop", "-l", "app=cart",
    ]);
    assert.equal(documents[0].metadata.namespace, "shop");
    assert.equal(documents[0].spec.filter.id, "f.shop");
    assert.equal(documents[0].spec.filter.rootID, "f");
    assert.equal(documents[0].spec.filter.parameters, undefined);
  });

  it("wasme: FilterDeployment equals seed 002's example field by field", async () => {
    const seed = wasmeSeed();
    const { documents } = await manifestsJson([
      "wasme",
      "--image", seed.spec.filter.image, "--digest", GIVEN_DIGEST,
      "--name", seed.metadata.name,
      "-n", seed.metadata.namespace,
      "-l", "app=details",
      "--config", seed.spec.filter.config,
    ]);
    assert.equal(documents.length, 1);
    const [fd] = documents;
    const leaves = assertContains(fd, seed);
    assert.ok(leaves.length >= 8, `compared ${leaves.join(", ")}`);
    assert.deepEqual(fd, seed, "no fields beyond the seed's when no root id or pull secret is given");
  });

  it("wasme: root id and pull secret use wasme's FilterSpec fields", async () => {
    const { documents, notes } = await manifestsJson([
      "wasme", "--image", "webassemblyhub.io/acme/add-header:v1", "--digest", GIVEN_DIGEST, "--all-workloads", "--root-id", "add_header",
      "--pull-secret", "hub-creds", "--config", '{"k":"v"}',
    ]);
    assert.deepEqual(documents[0].spec.filter, {
      config: '{"k":"v"}',
      image: "webassemblyhub.io/acme/add-header:v1",
      rootID: "add_header",
      imagePullOptions: { pullSecret: "hub-creds" },
    });
    assert.equal(documents[0].spec.deployment.istio.labels, undefined, "no selector = every workload");
    assert.ok(notes.some((n) => n.includes("hub-creds")));
  });

  describe("wasmplugin from a ConfigMap-mounted file, as in seed 004", () => {
    let dir: TempDir;
    before(() => (dir = tempDir()));
    after(() => dir.remove());

    it("carries every field of the seed's WasmPlugin", async () => {
      const seed = wasmPluginSeed();
      const wasm = dir.write("istio_wasm_demo.wasm", await compileWat(FILTER_WAT));
      const modulePath = seed.spec.url.replace(/^file:\/\//, "");
      const { documents } = await manifestsJson([
        "wasmplugin",
        "--wasm", wasm,
        "--name", seed.metadata.name,
        "-n", seed.metadata.namespace,
        "--module-path", modulePath,
        "--phase", seed.spec.phase,
        "--config", JSON.stringify(seed.spec.pluginConfig),
        "-l", "app=productpage",
      ]);
      const configMap = documents.find((d) => d.kind === "ConfigMap");
      const plugin = documents.find((d) => d.kind === "WasmPlugin");
      assertContains(plugin, seed);
      assert.deepEqual(Object.keys(configMap.binaryData), ["istio_wasm_demo.wasm"]);
    });
  });
});
