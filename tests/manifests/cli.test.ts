// The `manifests` command end to end: the esbuild bundle (as `npm run manifests` runs it), output modes,
// example names, digest lookup injection, and one-line usage errors with exit code 2.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { customSectionHead } from "../../testkit/custom-section.ts";
import {
  FILTER_WASM_SHA256,
  FILTER_WAT,
  bundleCli,
  compileWat,
  manifestsJson,
  parseYamlStream,
  tempDir,
  type TempDir,
} from "./helpers.ts";

describe("manifests command", () => {
  let dir: TempDir;
  let wasm: string;
  let cli: string;

  before(async () => {
    dir = tempDir();
    const bytes = await compileWat(FILTER_WAT);
    wasm = dir.write("example-filter.wasm", bytes);
    mkdirSync(join(dir.path, "project", "build"), { recursive: true });
    writeFileSync(join(dir.path, "project", "build", "add-header.wasm"), bytes);
    cli = await bundleCli(dir.path);
  });
  after(() => dir.remove());

  function runCli(args: string[], cwd = dir.path): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: "utf8" });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  it("--help documents every kind, the defaults and the exit codes; the CLI lists the command", () => {
    const help = runCli(["manifests", "--help"]);
    assert.equal(help.status, 0);
    for (const word of ["wasmplugin", "envoyfilter", "asm", "wasme", "envoy", "--json", "--out", "Exit codes", "FAIL_CLOSE"]) {
      assert.ok(help.stdout.includes(word), `help mentions ${word}`);
    }
    const top = runCli(["--help"]);
    assert.match(top.stdout, /^\s+manifests\s+emit /m);
  });

  it("the bundled CLI prints YAML that parses to the same documents as --json, notes as comments", async () => {
    const args = ["envoyfilter", "--wasm", wasm, "-n", "foo", "-l", "app=frontpage", "--workload", "frontpage-v1"];
    const yaml = runCli(["manifests", ...args]);
    assert.equal(yaml.status, 0, yaml.stderr);
    const json = await manifestsJson(args);
    assert.deepEqual(parseYamlStream(yaml.stdout), json.documents);
    assert.match(yaml.stdout, /^# set -o pipefail; kubectl get deployments -n foo -o json \| node -e 'const addModuleVolume = .+' \| kubectl replace -f -$/m);
    assert.match(yaml.stdout, /^# The patch adds volume wasm-example-filter to what the annotations hold and restarts the pods of Deployment foo\/frontpage-v1:$/m);
    assert.equal(yaml.stdout.split("\n---\n").length, 2, "two documents");
  });

  it("the ConfigMap embeds the module bytes and the patch adds both sidecar annotations", async () => {
    const { documents, patches } = await manifestsJson(["envoyfilter", "--wasm", wasm, "-n", "foo", "-l", "app=fp"]);
    const [configMap] = documents;
    assert.deepEqual(configMap.metadata, { name: "example-filter", namespace: "foo" });
    const bytes = Buffer.from(configMap.binaryData["example-filter.wasm"], "base64");
    assert.deepEqual(bytes, readFileSync(wasm));
    const [patch] = patches;
    assert.deepEqual(patch.volume, { name: "wasm-example-filter", configMap: { name: "example-filter" } });
    assert.deepEqual(patch.volumeMount, { name: "wasm-example-filter", mountPath: "/var/local/lib/wasm-filters/example-filter", readOnly: true });
    assert.deepEqual(patch.target, { kind: "Deployment", namespace: "foo", labels: { app: "fp" } });
    assert.equal(patch.restarts, "the pods of every Deployment in foo whose pod template has app=fp");
    assert.equal(documents[1].spec.configPatches[0].patch.value.typed_config.config.vm_config.code.local.filename, "/var/local/lib/wasm-filters/example-filter/example-filter.wasm");
  });

  it("--out writes one file per document and the patch script under patches/", () => {
    const out = join(dir.path, "out");
    const result = runCli(["manifests", "envoyfilter", "--wasm", wasm, "-l", "app=fp", "--workload", "fp-v1", "--out", out]);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(readdirSync(out).sort(), ["configmap-example-filter.yaml", "envoyfilter-example-filter.yaml", "patches"]);
    assert.deepEqual(readdirSync(join(out, "patches")), ["deployment-fp-v1.sh"]);
    assert.deepEqual(result.stdout.trim().split("\n").sort(), [
      join(out, "configmap-example-filter.yaml"),
      join(out, "envoyfilter-example-filter.yaml"),
      join(out, "patches", "deployment-fp-v1.sh"),
    ]);
    assert.equal(parse(readFileSync(join(out, "envoyfilter-example-filter.yaml"), "utf8")).kind, "EnvoyFilter");
    const script = join(out, "patches", "deployment-fp-v1.sh");
    assert.match(readFileSync(script, "utf8"), /^#!\/usr\/bin\/env bash\n# Adds volume wasm-example-filter .*\n(# .*\n)*set -euo pipefail\nkubectl get deployments -n default -o json \| node -e '/);
    assert.equal(statSync(script).mode & 0o777, 0o755);
    assert.match(result.stderr, /Order: apply the ConfigMap/);
  });

  it("a filter name resolves build/<name>.wasm with root id <name with underscores>; unbuilt or unknown: one line", async () => {
    const cwd = join(dir.path, "project");
    const { documents } = await manifestsJson(["envoyfilter", "add-header", "-l", "app=web"], { cwd });
    const config = documents[1].spec.configPatches[0].patch.value.typed_config.config;
    assert.equal(documents[1].metadata.name, "add-header");
    assert.equal(config.root_id, "add_header");
    assert.equal(config.vm_config.code.local.filename, "/var/local/lib/wasm-filters/add-header/add-header.wasm");
    const plugin = await manifestsJson(["wasmplugin", "add-header", "-l", "app=web"], { cwd });
    assert.equal(plugin.documents[1].spec.pluginName, "add_header");
    assert.equal(plugin.documents[1].spec.sha256, FILTER_WASM_SHA256);
    // With --image the example only names things; wasme then states the root id.
    const wasme = await manifestsJson(["wasme", "add-header", "--image", "r.example.com/x/y:v1", "--digest", `sha256:${"0".repeat(64)}`, "-l", "app=web"], { cwd });
    assert.equal(wasme.documents[0].spec.filter.rootID, "add_header");
    assert.equal(wasme.documents[0].metadata.name, "add-header");
    mkdirSync(join(cwd, "filters", "user-agent-logger"), { recursive: true });
    writeFileSync(join(cwd, "filters", "user-agent-logger", "main.ts"), "");
    const unbuilt = runCli(["manifests", "envoy", "user-agent-logger"], cwd);
    assert.deepEqual([unbuilt.status, unbuilt.stderr], [2, "error: filters/user-agent-logger is not built: build/user-agent-logger.wasm is missing (run `proxy-wasm build user-agent-logger`)\n"]);
    const unknown = runCli(["manifests", "envoy", "no-such-filter"], cwd);
    assert.deepEqual([unknown.status, unknown.stderr], [2, 'error: "no-such-filter" is neither a built filter (build/no-such-filter.wasm) nor an example of this package\n']);
  });

  const usageErrors: Array<[string, string[], RegExp]> = [
    ["unknown kind", ["manifests", "helm"], /unknown kind "helm"/],
    ["no source", ["manifests", "wasmplugin"], /nothing to deploy/],
    ["option the kind cannot express", ["manifests", "envoyfilter", "--wasm", "W", "--phase", "AUTHZ"], /--phase does not apply to envoyfilter \(it applies to wasmplugin\)/],
    ["wildcard label", ["manifests", "envoyfilter", "--wasm", "W", "-l", "app=*"], /invalid --selector value "\*"/],
    ["label without value", ["manifests", "envoyfilter", "--wasm", "W", "-l", "app"], /expected key=value/],
    ["string config for WasmPlugin", ["manifests", "wasmplugin", "--wasm", "W", "-l", "app=a", "--config", "hello"], /pluginConfig must be a JSON object/],
    ["broken JSON config", ["manifests", "envoyfilter", "--wasm", "W", "-l", "app=a", "--config", "{oops"], /looks like a JSON object but does not parse/],
    ["bad phase", ["manifests", "wasmplugin", "--wasm", "W", "--phase", "early"], /invalid --phase "early": expected one of AUTHN, AUTHZ, STATS/],
    ["bad fail strategy", ["manifests", "envoyfilter", "--wasm", "W", "--fail-strategy", "reload"], /invalid --fail-strategy/],
    ["bad pull policy", ["manifests", "wasmplugin", "--image", "r.example.com/a:1", "--digest", `sha256:${"a".repeat(64)}`, "--pull-policy", "Never"], /invalid --pull-policy/],
    ["pull secret with a mounted file", ["manifests", "wasmplugin", "--wasm", "W", "-l", "app=a", "--pull-secret", "s"], /apply to --image or --url/],
    ["image without a registry host", ["manifests", "asm", "--image", "acme/f:v1", "-l", "app=a"], /malformed reference "acme\/f:v1": "acme" is not a registry host/],
    ["image without tag or digest", ["manifests", "wasme", "--image", "r.example.com/acme/f"], /neither a tag nor a digest/],
    ["asm without labels", ["manifests", "asm", "--image", "r.example.com/acme/f:v1"], /asm needs the target workload's labels/],
    ["asm with another pull secret", ["manifests", "asm", "--image", "r.example.com/acme/f:v1", "-l", "app=a", "--pull-secret", "regcred"], /asmwasm-cache/],
    ["wasme outbound", ["manifests", "wasme", "--image", "r.example.com/acme/f:v1", "-l", "app=a", "--context", "SIDECAR_OUTBOUND"], /the wasme operator always inserts the filter in SIDECAR_INBOUND/],
    ["envoyfilter from an image", ["manifests", "envoyfilter", "--image", "r.example.com/acme/f:v1"], /--image does not apply to envoyfilter/],
    ["bad namespace", ["manifests", "envoyfilter", "--wasm", "W", "-l", "app=a", "-n", "Foo_Bar"], /invalid --namespace "Foo_Bar"/],
    ["bad name", ["manifests", "envoyfilter", "--wasm", "W", "-l", "app=a", "--name", "My Filter"], /invalid --name "My Filter"/],
    ["username without password-stdin", ["manifests", "wasmplugin", "--image", "r.example.com/a:1", "-u", "alice"], /--username and --password-stdin go together/],
    ["registry flags without an image", ["manifests", "envoy", "--wasm", "W", "--plain-http"], /go with --image/],
    ["json and out", ["manifests", "envoy", "--wasm", "W", "--json", "--out", "x"], /either --json or --out/],
    ["unknown flag", ["manifests", "envoy", "--wasm", "W", "--replicas", "3"], /^error: unknown option --replicas for manifests \(try --help\)\n$/],
    ["module path escaping upwards", ["manifests", "envoyfilter", "--wasm", "W", "-l", "app=a", "--module-path", "/x/../plugin.wasm"], /^error: invalid --module-path "\/x\/\.\.\/plugin\.wasm" \("\/plugin\.wasm"\): \/ is a system directory of the proxy container/],
    ["module path in /etc", ["manifests", "wasmplugin", "--wasm", "W", "-l", "app=a", "--module-path", "/etc/plugin.wasm"], /invalid --module-path "\/etc\/plugin\.wasm": \/etc is a system directory/],
    ["module path in the proxy's certificates", ["manifests", "envoyfilter", "--wasm", "W", "-l", "app=a", "--module-path", "/var/run/secrets/f.wasm"], /\/var\/run\/secrets is a system directory/],
    ["admin port = listener port", ["manifests", "envoy", "--wasm", "W", "--listen-port", "9901", "--admin-port", "9901"], /^error: --admin-port 9901 is the listener's port too \(--listen-port\)/],
    ["number pluginConfig would round", ["manifests", "wasmplugin", "--wasm", "W", "-l", "app=a", "--config", '{"limit":12345678901234567890}'], /12345678901234567890 would reach the plugin as 12345678901234567000; write it as a string in --config/],
    ["no selector, no --all-workloads", ["manifests", "envoyfilter", "--wasm", "W", "-n", "shop"], /^error: no --selector: the envoyfilter would apply to every workload in namespace shop and the patch would restart every Deployment there; select workloads by pod labels \(--selector app=<name>\), or say --all-workloads\n$/],
    ["WasmPlugin image without a selector", ["manifests", "wasmplugin", "--image", "r.example.com/a:1", "--digest", `sha256:${"a".repeat(64)}`], /^error: no --selector: the wasmplugin would apply to every workload in namespace default; select/],
    ["selector and --all-workloads", ["manifests", "wasme", "--image", "r.example.com/a:1", "-l", "app=a", "--all-workloads"], /give --selector or --all-workloads, not both/],
    ["every workload, one Deployment mounted", ["manifests", "wasmplugin", "--wasm", "W", "--all-workloads", "--workload", "web-v1"], /only Deployment web-v1 would get the module/],
    ["--config @file missing", ["manifests", "envoy", "--wasm", "W", "--config", "@no-such-config.json"], /^error: --config @file: "no-such-config\.json": no such file\n$/],
    ["--config @directory", ["manifests", "envoy", "--wasm", "W", "--config", "@DIR"], /^error: --config @file: ".+" is a directory, not a file\n$/],
    ["--config @file before the registry is asked", ["manifests", "wasmplugin", "--image", "127.0.0.1:1/a/b:v1", "-l", "app=a", "--config", "@no-such-config.json"], /^error: --config @file: "no-such-config\.json": no such file\n$/],
    ["not a wasm file", ["manifests", "envoy", "--wasm", "NOTWASM"], /is not a WebAssembly module/],
  ];
  for (const [what, args, message] of usageErrors) {
    it(`usage error, exit 2: ${what}`, () => {
      const notWasm = dir.write("not.wasm", "hello");
      const result = runCli(args.map((a) => (a === "W" ? wasm : a === "NOTWASM" ? notWasm : a === "@DIR" ? `@${dir.path}` : a)));
      assert.equal(result.status, 2, `stdout: ${result.stdout}\nstderr: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split("\n").length, 1, "one line");
      assert.match(result.stderr, /^error: /);
      assert.equal(result.stdout, "");
    });
  }

  it("refuses modules over the 1 MiB ConfigMap limit, with advice", async () => {
    // A valid filter: the small module + one custom section padding it beyond 1 MiB.
    const payload = Buffer.alloc(1024 * 1024);
    const big = dir.write("big.wasm", Buffer.concat([readFileSync(wasm), customSectionHead("pad", payload.length), payload]));
    assert.ok(new WebAssembly.Module(readFileSync(big)), "the padded module is valid wasm");
    for (const kind of ["envoyfilter", "wasmplugin"]) {
      const result = runCli(["manifests", kind, "--wasm", big, "-l", "app=a"]);
      assert.equal(result.status, 2);
      assert.match(result.stderr, /^error: the module is 1\.00 MiB but a ConfigMap holds at most 1 MiB; push it to a registry/);
    }
    // The same module is fine where nothing is mounted from a ConfigMap.
    const served = await manifestsJson(["wasmplugin", "--wasm", big, "--url", "https://x.example.com/big.wasm", "-l", "app=a"]);
    assert.equal(served.documents.length, 1);
  });
});
