/**
 * Getting a local module into the istio-proxy container without a registry, as the seed articles do:
 * a ConfigMap holding the module (`binaryData`) and the `sidecar.istio.io/userVolume` +
 * `sidecar.istio.io/userVolumeMount` annotations on the workload's pod template, which make the sidecar
 * injector mount that ConfigMap into the proxy container. Used by `envoyfilter` and by `wasmplugin` with
 * a `file://` URL.
 */
import { posix } from "node:path";
import { ManifestError } from "./errors.ts";
import {
  CONFIGMAP_MAX_BYTES,
  VOLUME_NAME,
  type FileSource,
  type ManifestDocument,
  type ManifestInput,
  type WorkloadPatch,
} from "./types.ts";

export const USER_VOLUME_ANNOTATION = "sidecar.istio.io/userVolume";
export const USER_VOLUME_MOUNT_ANNOTATION = "sidecar.istio.io/userVolumeMount";

/** The ConfigMap that carries the module under the file name the proxy will read. */
export function moduleConfigMap(input: ManifestInput, source: FileSource): ManifestDocument {
  const key = posix.basename(input.modulePath);
  const size = source.bytes.length + key.length;
  if (size > CONFIGMAP_MAX_BYTES) {
    throw new ManifestError(
      (n) => `the module is ${formatBytes(source.bytes.length)} but a ConfigMap holds at most 1 MiB; ` +
        `push it to a registry and use \`manifests wasmplugin ${n("image")} <reference>\` instead`,
    );
  }
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: input.name, namespace: input.namespace },
    binaryData: { [key]: Buffer.from(source.bytes).toString("base64") },
  };
}

/** The two annotations, with their JSON values (what the sidecar injector parses). */
export function volumeAnnotations(input: ManifestInput): Record<string, string> {
  const mountDir = posix.dirname(input.modulePath);
  return {
    [USER_VOLUME_ANNOTATION]: JSON.stringify([{ name: VOLUME_NAME, configMap: { name: input.name } }]),
    [USER_VOLUME_MOUNT_ANNOTATION]: JSON.stringify([{ mountPath: mountDir, name: VOLUME_NAME }]),
  };
}

/** The strategic-merge patch adding the annotations to the pod template, and a command applying it. */
export function workloadPatch(input: ManifestInput): WorkloadPatch {
  const patch = { spec: { template: { metadata: { annotations: volumeAnnotations(input) } } } };
  const json = JSON.stringify(patch);
  const ns = input.namespace;
  let command: string;
  if (input.workload !== undefined) {
    command = `kubectl patch deployment ${input.workload} -n ${ns} --type strategic -p ${shellQuote(json)}`;
  } else {
    const selector = Object.entries(input.selector)
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    const list = `kubectl get deployment -n ${ns}${selector ? ` -l ${shellQuote(selector)}` : ""} -o name`;
    command = `${list} | xargs -r -I{} kubectl patch {} -n ${ns} --type strategic -p ${shellQuote(json)}`;
  }
  return {
    target: {
      kind: "Deployment",
      namespace: ns,
      ...(input.workload !== undefined ? { name: input.workload } : {}),
      labels: { ...input.selector },
    },
    type: "strategic",
    patch,
    command,
  };
}

/** POSIX-shell single quoting. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_./:=,@%+-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(2)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}
