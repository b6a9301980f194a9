// Never clobber: the workload patch of a ConfigMap-mounted module adds one volume per filter to what the
// pod template's annotations already hold, selects Deployments by their pod template's labels, and --out
// writes all files or none. The patch command runs for real (bash + node), with kubectl's part played
// by files: what `kubectl get deployments -o json` prints goes in, what `kubectl replace -f -` gets comes out.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FILTER_WAT, bundleCli, compileWat, manifestsJson, tempDir, type TempDir } from "./helpers.ts";

const VOLUME = "sidecar.istio.io/userVolume";
const MOUNT = "sidecar.istio.io/userVolumeMount";

function deployment(name: string, ownLabels: Record<string, string>, podLabels: Record<string, string>, annotations: Record<string, string> = {}) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "shop", labels: ownLabels, resourceVersion: "7" },
    spec: { template: { metadata: { labels: podLabels, annotations }, spec: { containers: [{ name: "app", image: "app:1" }] } } },
  };
}

describe("workload patches never clobber", () => {
  let dir: TempDir;
  let cli: string;
  let wasm: string;

  before(async () => {
    dir = tempDir();
    cli = await bundleCli(dir.path);
    wasm = dir.write("filter.wasm", await compileWat(FILTER_WAT));
  });
  after(() => dir.remove());

  /**
   * The patch command of `manifests <args>` (in-process, or from the bundled CLI as users run it), run with
   * `kubectl get` reading `input` and `kubectl replace` printing to stdout.
   */
  async function applyPatch(args: string[], input: unknown, bundled = false): Promise<{ status: number | null; output: any; stderr: string }> {
    const { patches } = bundled
      ? JSON.parse(spawnSync(process.execPath, [cli, "manifests", ...args, "--json"], { encoding: "utf8" }).stdout)
      : await manifestsJson(args);
    assert.equal(patches.length, 1);
    const command: string = patches[0].command;
    const file = dir.write(`cluster-${Math.random().toString(16).slice(2)}.json`, JSON.stringify(input));
    const get = /kubectl get deployments -n \S+ -o json/;
    assert.match(command, get);
    assert.match(command, /\| kubectl replace -f -$/);
    const local = command.replace(get, `cat ${file}`).replace(/ \| kubectl replace -f -$/, "");
    const result = spawnSync("bash", ["-c", local], { encoding: "utf8", timeout: 30_000 });
    return { status: result.status, output: result.stdout ? JSON.parse(result.stdout) : undefined, stderr: result.stderr };
  }

  it("two filters in sequence on one Deployment: both volumes, and the user's own volume, survive", async () => {
    const userVolume = JSON.stringify([{ name: "cache", emptyDir: {} }]);
    const userMount = JSON.stringify([{ name: "cache", mountPath: "/var/cache/app" }]);
    let cluster: any = { apiVersion: "v1", kind: "List", items: [deployment("web-v1", {}, { app: "web" }, { [VOLUME]: userVolume, [MOUNT]: userMount })] };
    for (const name of ["stamp", "audit"]) {
      const args = ["envoyfilter", "--wasm", wasm, "--name", name, "-n", "shop", "-l", "app=web"];
      const { status, output, stderr } = await applyPatch(args, cluster, name === "stamp");
      assert.equal(status, 0, stderr);
      assert.match(stderr, /^patching Deployment shop\/web-v1: its pods restart$/m);
      cluster = output;
    }
    const annotations = cluster.items[0].spec.template.metadata.annotations;
    assert.deepEqual(JSON.parse(annotations[VOLUME]), [
      { name: "cache", emptyDir: {} },
      { name: "wasm-stamp", configMap: { name: "stamp" } },
      { name: "wasm-audit", configMap: { name: "audit" } },
    ]);
    assert.deepEqual(JSON.parse(annotations[MOUNT]), [
      { name: "cache", mountPath: "/var/cache/app" },
      { name: "wasm-stamp", mountPath: "/var/local/lib/wasm-filters/stamp", readOnly: true },
      { name: "wasm-audit", mountPath: "/var/local/lib/wasm-filters/audit", readOnly: true },
    ]);
    assert.equal(cluster.items[0].metadata.resourceVersion, "7", "kubectl replace refuses it if the Deployment changed meanwhile");

    const again = await applyPatch(["envoyfilter", "--wasm", wasm, "--name", "stamp", "-n", "shop", "-l", "app=web"], cluster);
    assert.deepEqual(again.output.items[0].spec.template.metadata.annotations, annotations, "applying twice changes nothing");
  });

  it("selects Deployments by their pod template's labels, not their own; the map form of the annotation is kept", async () => {
    const cluster = {
      apiVersion: "v1",
      kind: "List",
      items: [
        deployment("labelled-but-other-pods", { app: "web" }, { app: "batch" }),
        deployment("web-v1", { team: "shop" }, { app: "web", version: "v1" }, { [VOLUME]: '{"cache":{"emptyDir":{}}}' }),
        deployment("web-v2", {}, { app: "web", version: "v2" }),
      ],
    };
    const { status, output, stderr } = await applyPatch(["wasmplugin", "--wasm", wasm, "-n", "shop", "-l", "app=web"], cluster);
    assert.equal(status, 0, stderr);
    assert.deepEqual(output.items.map((d: any) => d.metadata.name), ["web-v1", "web-v2"]);
    assert.deepEqual(JSON.parse(output.items[0].spec.template.metadata.annotations[VOLUME]), {
      cache: { emptyDir: {} },
      "wasm-filter": { configMap: { name: "filter" } },
    });
    const named = await applyPatch(["wasmplugin", "--wasm", wasm, "-n", "shop", "-l", "app=web", "--workload", "web-v2"], cluster);
    assert.deepEqual(named.output.items.map((d: any) => d.metadata.name), ["web-v2"]);
  });

  it("refuses, one line and exit 1, when nothing matches or another volume holds the mount path", async () => {
    const none = await applyPatch(["envoyfilter", "--wasm", wasm, "-n", "shop", "-l", "app=nothing"], { items: [deployment("web-v1", {}, { app: "web" })] });
    assert.equal(none.status, 1);
    assert.equal(none.stderr, "error: no Deployment in namespace shop whose pod template has app=nothing\n");
    const taken = JSON.stringify([{ name: "theirs", mountPath: "/var/local/lib/wasm-filters/filter" }]);
    const clash = await applyPatch(["envoyfilter", "--wasm", wasm, "-n", "shop", "-l", "app=web"], { items: [deployment("web-v1", {}, { app: "web" }, { [MOUNT]: taken })] });
    assert.equal(clash.status, 1);
    assert.equal(clash.stderr, "error: /var/local/lib/wasm-filters/filter is already the mount path of volume theirs\n");
  });

  it("--out writes all files or none: a 240-character name is written whole, a failure leaves nothing", () => {
    const name = `f${"x".repeat(238)}a`;
    const out = join(dir.path, "long");
    const ok = spawnSync(process.execPath, [cli, "manifests", "envoyfilter", "--wasm", wasm, "--name", name, "-l", "app=web", "--out", out], { encoding: "utf8" });
    assert.equal(ok.status, 0, ok.stderr);
    const written = ok.stdout.trim().split("\n");
    assert.equal(written.length, 3);
    for (const path of written) assert.ok(existsSync(path), path);

    const blocked = join(dir.path, "blocked");
    mkdirSync(blocked);
    writeFileSync(join(blocked, "patches"), "a file where the patches directory must go");
    const failed = spawnSync(process.execPath, [cli, "manifests", "envoyfilter", "--wasm", wasm, "-l", "app=web", "--out", blocked], { encoding: "utf8" });
    assert.equal(failed.status, 1);
    assert.match(failed.stderr, /^error: cannot write .*blocked: (ENOTDIR|EEXIST); nothing was written\n$/);
    assert.deepEqual(readdirSync(blocked), ["patches"], "the two documents written before the failure are gone");
  });
});
