// Generated Istio resources validate against the CRD schemas in tests/fixtures/istio-crds (ajv, openAPIV3Schema).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ValidateFunction } from "ajv";
import {
  FILTER_WASM_SHA256,
  FILTER_WAT,
  compileWat,
  crdValidator,
  manifestsJson,
  tempDir,
  type TempDir,
} from "./helpers.ts";

const DIGEST = `sha256:${"ab".repeat(32)}`;

function assertValid(validate: ValidateFunction, document: unknown): void {
  const ok = validate(document);
  assert.ok(ok, `schema errors: ${JSON.stringify(validate.errors, null, 2)}`);
}

describe("manifests validate against Istio's CRD schemas", () => {
  let dir: TempDir;
  let wasm: string;
  let wasmPlugin: ValidateFunction;
  let envoyFilter: ValidateFunction;

  before(async () => {
    dir = tempDir();
    wasm = dir.write("example-filter.wasm", await compileWat(FILTER_WAT));
    wasmPlugin = crdValidator("istio-wasmplugin-crd.yaml", "v1alpha1");
    envoyFilter = crdValidator("istio-envoyfilter-crd.yaml", "v1alpha3");
  });
  after(() => dir.remove());

  it("the validators reject documents the API server would reject", () => {
    const bad = {
      apiVersion: "extensions.istio.io/v1alpha1",
      kind: "WasmPlugin",
      metadata: { name: "x" },
      spec: { url: "oci://r.example/x:1", sha256: "ABC", phase: "EARLY", failStrategy: "MAYBE" },
    };
    assert.equal(wasmPlugin(bad), false);
    const paths = new Set(wasmPlugin.errors!.map((e) => e.instancePath));
    assert.ok(paths.has("/spec/sha256") && paths.has("/spec/phase") && paths.has("/spec/failStrategy"));
    assert.equal(wasmPlugin({ apiVersion: "extensions.istio.io/v1alpha1", kind: "WasmPlugin", spec: {} }), false);
    assert.equal(
      envoyFilter({ spec: { configPatches: [{ applyTo: "HTTP_FILTER", patch: { operation: "PREPEND" } }] } }),
      false,
    );
  });

  it("WasmPlugin for a pushed image: oci:// URL, sha256 = manifest digest, pull secret/policy, all options", async () => {
    const { documents, patches, notes } = await manifestsJson([
      "wasmplugin",
      "--image", "registry.example.com/wasm/add-header:v1",
      "--digest", DIGEST,
      "-n", "bookinfo",
      "-l", "app=productpage",
      "--selector", "version=v1",
      "--phase", "AUTHZ",
      "--fail-strategy", "FAIL_OPEN",
      "--config", '{"header":"x-hello","value":"world","nested":{"n":1}}',
      "--pull-secret", "regcred",
      "--pull-policy", "Always",
      "--root-id", "add_header",
    ]);
    assert.equal(documents.length, 1);
    assert.equal(patches.length, 0);
    assert.ok(notes.some((n) => n.includes("kubectl create secret docker-registry regcred -n bookinfo --docker-server=registry.example.com")));
    const [plugin] = documents;
    assertValid(wasmPlugin, plugin);
    assert.deepEqual(plugin.metadata, { name: "add-header", namespace: "bookinfo" });
    assert.deepEqual(plugin.spec, {
      selector: { matchLabels: { app: "productpage", version: "v1" } },
      url: "oci://registry.example.com/wasm/add-header:v1",
      sha256: "ab".repeat(32),
      imagePullSecret: "regcred",
      imagePullPolicy: "Always",
      phase: "AUTHZ",
      pluginName: "add_header",
      pluginConfig: { header: "x-hello", value: "world", nested: { n: 1 } },
      failStrategy: "FAIL_OPEN",
    });
  });

  it("WasmPlugin with defaults: no selector/phase/pull fields, FAIL_CLOSE, default namespace", async () => {
    const { documents } = await manifestsJson([
      "wasmplugin", "--image", "127.0.0.1:5000/wasm/my-filter@" + DIGEST, "--digest", DIGEST, "--all-workloads",
    ]);
    const [plugin] = documents;
    assertValid(wasmPlugin, plugin);
    assert.equal(plugin.metadata.namespace, "default");
    assert.deepEqual(Object.keys(plugin.spec).sort(), ["failStrategy", "pluginName", "sha256", "url"]);
    assert.equal(plugin.spec.failStrategy, "FAIL_CLOSE");
    assert.equal(plugin.spec.pluginName, "my_filter");
    assert.equal(plugin.spec.sha256, "ab".repeat(32), "the given digest; the registry is not asked");
  });

  it("WasmPlugin for a local file: ConfigMap + workload patch + file:// URL with the file's sha256", async () => {
    const { documents, patches } = await manifestsJson([
      "wasmplugin", "--wasm", wasm, "-l", "app=productpage", "--phase", "authn", "--workload", "productpage-v1",
    ]);
    assert.deepEqual(documents.map((d) => d.kind), ["ConfigMap", "WasmPlugin"]);
    const plugin = documents[1];
    assertValid(wasmPlugin, plugin);
    assert.equal(plugin.spec.url, "file:///var/local/lib/wasm-filters/example-filter/example-filter.wasm");
    assert.equal(plugin.spec.sha256, FILTER_WASM_SHA256);
    assert.equal(plugin.spec.phase, "AUTHN");
    assert.equal(patches.length, 1);
    assert.equal(patches[0].target.name, "productpage-v1");
  });

  it("WasmPlugin for a file served over https: the URL and the file's sha256, nothing mounted", async () => {
    const { documents, patches } = await manifestsJson([
      "wasmplugin", "--wasm", wasm, "--url", "https://files.example.com/f.wasm", "--pull-policy", "ifnotpresent", "--all-workloads",
    ]);
    assert.equal(documents.length, 1);
    assert.equal(patches.length, 0);
    assertValid(wasmPlugin, documents[0]);
    assert.equal(documents[0].spec.url, "https://files.example.com/f.wasm");
    assert.equal(documents[0].spec.sha256, FILTER_WASM_SHA256);
    assert.equal(documents[0].spec.imagePullPolicy, "IfNotPresent");
  });

  for (const context of ["SIDECAR_INBOUND", "SIDECAR_OUTBOUND", "GATEWAY", "ANY"]) {
    it(`EnvoyFilter (${context}) validates and inserts the wasm filter before the router`, async () => {
      const { documents } = await manifestsJson([
        "envoyfilter", "--wasm", wasm, "-n", "foo", "-l", "app=frontpage,version=v1", "--context", context,
        "--root-id", "my_root_id", "--config", "tomorrow", "--fail-strategy", "open", "--vm-id", "vm1",
      ]);
      assert.deepEqual(documents.map((d) => d.kind), ["ConfigMap", "EnvoyFilter"]);
      const filter = documents[1];
      assertValid(envoyFilter, filter);
      assert.equal(filter.apiVersion, "networking.istio.io/v1alpha3");
      assert.deepEqual(filter.spec.workloadSelector, { labels: { app: "frontpage", version: "v1" } });
      const [patch] = filter.spec.configPatches;
      assert.equal(patch.applyTo, "HTTP_FILTER");
      assert.equal(patch.match.context, context === "ANY" ? undefined : context);
      assert.deepEqual(patch.match.listener, {
        filterChain: {
          filter: {
            name: "envoy.filters.network.http_connection_manager",
            subFilter: { name: "envoy.filters.http.router" },
          },
        },
      });
      assert.equal(patch.patch.operation, "INSERT_BEFORE");
      assert.equal(patch.patch.value.name, "envoy.filters.http.wasm");
      const typed = patch.patch.value.typed_config;
      assert.equal(typed["@type"], "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm");
      assert.deepEqual(typed.config, {
        name: "example-filter",
        root_id: "my_root_id",
        vm_config: {
          vm_id: "vm1",
          runtime: "envoy.wasm.runtime.v8",
          code: { local: { filename: "/var/local/lib/wasm-filters/example-filter/example-filter.wasm" } },
          allow_precompiled: true,
        },
        configuration: { "@type": "type.googleapis.com/google.protobuf.StringValue", value: "tomorrow" },
        fail_open: true,
      });
    });
  }

  it("EnvoyFilter without a selector has no workloadSelector and still validates", async () => {
    const { documents } = await manifestsJson(["envoyfilter", "--wasm", wasm, "--all-workloads", "--config", '{"a":[1,2]}']);
    const filter = documents[1];
    assertValid(envoyFilter, filter);
    assert.equal(filter.spec.workloadSelector, undefined);
    const config = filter.spec.configPatches[0].patch.value.typed_config.config;
    assert.equal(config.configuration.value, '{"a":[1,2]}', "a JSON object is passed as its JSON text");
    assert.equal(config.fail_open, false);
  });
});
