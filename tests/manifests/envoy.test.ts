// The standalone Envoy bootstrap: listener → HCM → wasm filter → router → upstream cluster.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FILTER_WAT, compileWat, parseYamlStream, runManifests, tempDir, type TempDir } from "./helpers.ts";

describe("manifests envoy", () => {
  let dir: TempDir;
  let wasm: string;
  before(async () => {
    dir = tempDir();
    wasm = dir.write("add-header.wasm", await compileWat(FILTER_WAT));
  });
  after(() => dir.remove());

  async function bootstrap(args: string[]): Promise<any> {
    const { code, stdout } = await runManifests(["envoy", "--wasm", wasm, ...args]);
    assert.equal(code, 0);
    const documents = parseYamlStream(stdout);
    assert.equal(documents.length, 1, "one bootstrap document");
    return documents[0];
  }

  it("puts the wasm filter (v8, root id, file path, configuration) before the router", async () => {
    const config = await bootstrap(["--root-id", "add_header", "--config", '{"header":"x-hello"}']);
    const [listener] = config.static_resources.listeners;
    assert.deepEqual(listener.address, { socket_address: { address: "0.0.0.0", port_value: 10000 } });
    const [hcm] = listener.filter_chains[0].filters;
    assert.equal(hcm.name, "envoy.filters.network.http_connection_manager");
    assert.equal(
      hcm.typed_config["@type"],
      "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
    );
    const names = hcm.typed_config.http_filters.map((f: { name: string }) => f.name);
    assert.deepEqual(names, ["envoy.filters.http.wasm", "envoy.filters.http.router"]);
    const wasmFilter = hcm.typed_config.http_filters[0];
    assert.equal(wasmFilter.typed_config["@type"], "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm");
    const plugin = wasmFilter.typed_config.config;
    assert.equal(plugin.vm_config.runtime, "envoy.wasm.runtime.v8");
    assert.equal(plugin.root_id, "add_header");
    assert.equal(plugin.vm_config.code.local.filename, wasm, "the local file's absolute path");
    assert.deepEqual(plugin.configuration, {
      "@type": "type.googleapis.com/google.protobuf.StringValue",
      value: '{"header":"x-hello"}',
    });
    assert.equal(plugin.fail_open, false);
    assert.equal(
      hcm.typed_config.http_filters[1].typed_config["@type"],
      "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router",
    );
    assert.equal(config.admin, undefined, "no admin listener unless asked");
  });

  it("passes the configuration text exactly as given: a 20-digit number keeps every digit", async () => {
    const text = '{ "limit": 12345678901234567890, "ratio": 0.1 }';
    const plugin = (await bootstrap(["--config", text])).static_resources.listeners[0].filter_chains[0].filters[0].typed_config
      .http_filters[0].typed_config.config;
    assert.equal(plugin.configuration.value, text);
  });

  it("--upstream takes http://host:port and host:port alike (the parser run uses)", async () => {
    const plain = await bootstrap(["--upstream", "10.0.0.7:9080"]);
    const url = await bootstrap(["--upstream", "http://10.0.0.7:9080"]);
    assert.deepEqual(url.static_resources.clusters, plain.static_resources.clusters);
    const named = await bootstrap(["--upstream", "http://backend.shop.svc:8080"]);
    assert.deepEqual(named.static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address, {
      socket_address: { address: "backend.shop.svc", port_value: 8080 },
    });
    for (const [raw, message] of [
      ["https://10.0.0.7:9443", /--upstream: "https:\/\/10\.0\.0\.7:9443" must be an http:\/\/ URL/],
      ["http://10.0.0.7:9080/api", /must not have a path/],
      ["10.0.0.7", /is not an address \(expected http:\/\/host:port or host:port\)/],
    ] as const) {
      await assert.rejects(runManifests(["envoy", "--wasm", wasm, "--upstream", raw]), message);
    }
  });

  it("routes everything to one upstream cluster (STATIC for an IP, STRICT_DNS for a name)", async () => {
    const byIp = await bootstrap(["--upstream", "10.0.0.7:9080", "--listen-port", "18000"]);
    const [cluster] = byIp.static_resources.clusters;
    const hcm = byIp.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
    assert.equal(hcm.route_config.virtual_hosts[0].routes[0].route.cluster, cluster.name);
    assert.equal(cluster.type, "STATIC");
    assert.deepEqual(cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address, {
      socket_address: { address: "10.0.0.7", port_value: 9080 },
    });
    assert.equal(cluster.load_assignment.cluster_name, cluster.name);
    assert.equal(byIp.static_resources.listeners[0].address.socket_address.port_value, 18000);

    const byName = await bootstrap(["--upstream", "httpbin.org:80", "--fail-strategy", "FAIL_OPEN", "--admin-port", "9901"]);
    assert.equal(byName.static_resources.clusters[0].type, "STRICT_DNS");
    assert.deepEqual(byName.admin, { address: { socket_address: { address: "127.0.0.1", port_value: 9901 } } });
    const plugin =
      byName.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[0].typed_config.config;
    assert.equal(plugin.fail_open, true);
  });

  it("defaults: upstream 127.0.0.1:8080, root id from the file name, vm id = name", async () => {
    const config = await bootstrap([]);
    const endpoint = config.static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint;
    assert.deepEqual(endpoint.address.socket_address, { address: "127.0.0.1", port_value: 8080 });
    const plugin =
      config.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[0].typed_config.config;
    assert.equal(plugin.root_id, "add_header");
    assert.equal(plugin.name, "add-header");
    assert.equal(plugin.vm_config.vm_id, "add-header");
    assert.equal(plugin.configuration, undefined);
  });

  it("--module-path overrides where Envoy reads the module (e.g. inside a container)", async () => {
    const config = await bootstrap(["--module-path", "/etc/envoy/filter.wasm"]);
    const plugin =
      config.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[0].typed_config.config;
    assert.equal(plugin.vm_config.code.local.filename, "/etc/envoy/filter.wasm");
  });

  it("--out writes envoy.yaml", async () => {
    const out = join(dir.path, "out");
    const { code, stdout } = await runManifests(["envoy", "--wasm", wasm, "--out", out]);
    assert.equal(code, 0);
    assert.equal(stdout, `${join(out, "envoy.yaml")}\n`);
    const [config] = parseYamlStream(readFileSync(join(out, "envoy.yaml"), "utf8")) as any[];
    assert.equal(config.static_resources.clusters[0].name, "upstream");
  });

  it("refuses what a bootstrap cannot express", async () => {
    await assert.rejects(runManifests(["envoy", "--wasm", wasm, "-n", "foo"]), /--namespace does not apply to envoy/);
    await assert.rejects(
      runManifests(["envoy", "--image", "r.example.com/x:1"]),
      /--image does not apply to envoy \(it applies to wasmplugin, asm, wasme\)/,
    );
    await assert.rejects(runManifests(["envoy", "--wasm", wasm, "--upstream", "nohost"]), /--upstream: "nohost" is not an address/);
    await assert.rejects(runManifests(["envoy", "--wasm", wasm, "--listen-port", "70000"]), /invalid --listen-port/);
    await assert.rejects(runManifests(["envoy", "--wasm", wasm, "--module-path", "rel/f.wasm"]), /must be absolute/);
  });
});
