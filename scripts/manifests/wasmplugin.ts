/**
 * Istio `WasmPlugin` (extensions.istio.io/v1alpha1).
 * - `--image`: `url: oci://<reference>`, `sha256` = manifest digest (what istio-agent compares for OCI),
 *   optional `imagePullSecret` / `imagePullPolicy`.
 * - `--wasm` with `--url https://...`: the module is served over HTTP(S); `sha256` = sha256 of the bytes.
 * - `--wasm` alone: `url: file://<module path>` plus the ConfigMap and the workload patch that mount the
 *   module into the proxy (seed 004 shows this shape).
 */
import { ManifestError } from "./errors.ts";
import { inexactNumbers } from "./json-numbers.ts";
import { pullSecretCommand } from "./pull-secrets.ts";
import { moduleConfigMap, workloadPatch } from "./mount.ts";
import type { ManifestDocument, ManifestInput, ManifestSet, WorkloadPatch } from "./types.ts";

export function wasmPluginManifests(input: ManifestInput): ManifestSet {
  const { source } = input;
  const spec: Record<string, unknown> = {};
  if (Object.keys(input.selector).length > 0) spec.selector = { matchLabels: { ...input.selector } };

  const documents: ManifestDocument[] = [];
  const patches: WorkloadPatch[] = [];
  const notes: string[] = [];
  if (source.type === "image") {
    if (source.digest === undefined) throw new Error("internal: the image digest was not resolved");
    spec.url = `oci://${source.reference}`;
    spec.sha256 = source.digest.replace(/^sha256:/, "");
    if (input.pullSecret !== undefined) {
      spec.imagePullSecret = input.pullSecret;
      notes.push(
        `imagePullSecret names a kubernetes.io/dockerconfigjson Secret in namespace ${input.namespace}, e.g.:`,
        pullSecretCommand("wasmplugin", input.pullSecret, input.namespace, source.reference),
      );
    }
    if (input.pullPolicy !== undefined) spec.imagePullPolicy = input.pullPolicy;
  } else if (source.url !== undefined) {
    spec.url = source.url;
    spec.sha256 = source.sha256;
    if (input.pullSecret !== undefined) {
      throw new ManifestError((n) => `${n("pullSecret")} applies to OCI images (${n("image")}); an http(s) URL is fetched without it`);
    }
    if (input.pullPolicy !== undefined) spec.imagePullPolicy = input.pullPolicy;
  } else {
    if (input.pullSecret !== undefined || input.pullPolicy !== undefined) {
      throw new ManifestError((n) => `${n("pullSecret")} and ${n("pullPolicy")} apply to ${n("image")} or ${n("url")}, not to a mounted file`);
    }
    documents.push(moduleConfigMap(input, source));
    const patch = workloadPatch(input);
    patches.push(patch);
    notes.push(
      "Order: apply the ConfigMap, patch the workload (its pods restart with the module mounted), then apply",
      "the WasmPlugin (with FAIL_CLOSE a proxy that cannot read the file denies requests).",
      `The patch adds volume ${patch.volume.name} to what the annotations hold and restarts ${patch.restarts}:`,
      patch.command,
    );
    spec.url = `file://${input.modulePath}`;
    spec.sha256 = source.sha256;
  }
  if (input.phase !== undefined) spec.phase = input.phase;
  spec.pluginName = input.rootId;
  if (input.config !== undefined) {
    const config = input.config;
    if (config.type !== "json") {
      throw new ManifestError(
        () => `WasmPlugin.pluginConfig must be a JSON object (Istio passes it to the plugin as JSON); got ${JSON.stringify(config.value)}`,
      );
    }
    const rounded = inexactNumbers(config.text);
    if (rounded.length > 0) {
      throw new ManifestError(
        (n) =>
          `WasmPlugin.pluginConfig holds numbers as doubles, so ${rounded.join(", ")} would reach the plugin as ` +
          `${rounded.map((token) => String(Number(token))).join(", ")}; write ${rounded.length > 1 ? "them" : "it"} as a string in ${n("config")}`,
      );
    }
    spec.pluginConfig = config.value;
  }
  spec.failStrategy = input.failStrategy;

  documents.push({
    apiVersion: "extensions.istio.io/v1alpha1",
    kind: "WasmPlugin",
    metadata: { name: input.name, namespace: input.namespace },
    spec,
  });
  return { documents, patches, notes };
}
