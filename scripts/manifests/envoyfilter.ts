/**
 * Istio `EnvoyFilter` (networking.istio.io/v1alpha3) loading a module mounted from a ConfigMap, as in the
 * seed articles: ConfigMap with the module, a patch adding the `sidecar.istio.io/userVolume` /
 * `userVolumeMount` annotations to the workload's pod template, and an HTTP_FILTER patch inserting
 * `envoy.filters.http.wasm` before the router of the HTTP connection manager.
 */
import { ManifestError } from "./errors.ts";
import { moduleConfigMap, workloadPatch } from "./mount.ts";
import { HCM_FILTER_NAME, ROUTER_FILTER_NAME, type ManifestInput, type ManifestSet } from "./types.ts";
import { wasmHttpFilter } from "./wasm-filter.ts";

export function envoyFilterManifests(input: ManifestInput): ManifestSet {
  const { source } = input;
  if (source.type !== "file" || source.url !== undefined) {
    throw new ManifestError(
      (n) => `envoyfilter loads a local file mounted from a ConfigMap; give ${n("wasm")} <file> (for a pushed image use wasmplugin)`,
    );
  }
  const configMap = moduleConfigMap(input, source);
  const patch = workloadPatch(input);

  const match: Record<string, unknown> = {};
  if (input.context !== "ANY") match.context = input.context;
  match.listener = {
    filterChain: {
      filter: { name: HCM_FILTER_NAME, subFilter: { name: ROUTER_FILTER_NAME } },
    },
  };
  const spec: Record<string, unknown> = {};
  if (Object.keys(input.selector).length > 0) spec.workloadSelector = { labels: { ...input.selector } };
  spec.configPatches = [
    {
      applyTo: "HTTP_FILTER",
      match,
      patch: {
        operation: "INSERT_BEFORE",
        value: wasmHttpFilter({
          name: input.name,
          rootId: input.rootId,
          vmId: input.vmId,
          filename: input.modulePath,
          config: input.config,
          failStrategy: input.failStrategy,
        }),
      },
    },
  ];
  const envoyFilter = {
    apiVersion: "networking.istio.io/v1alpha3",
    kind: "EnvoyFilter",
    metadata: { name: input.name, namespace: input.namespace },
    spec,
  };
  return {
    documents: [configMap, envoyFilter],
    patches: [patch],
    notes: [
      "Order: apply the ConfigMap, patch the workload (its pods restart with the module mounted), then apply",
      "the EnvoyFilter (a proxy without the file rejects the listener update).",
      `The patch adds volume ${patch.volume.name} to what the annotations hold and restarts ${patch.restarts}:`,
      patch.command,
    ],
  };
}
