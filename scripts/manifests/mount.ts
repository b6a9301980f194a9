/**
 * Getting a local module into the istio-proxy container without a registry, as the seed articles do:
 * a ConfigMap holding the module (`binaryData`) and the `sidecar.istio.io/userVolume` +
 * `sidecar.istio.io/userVolumeMount` annotations on the workload's pod template, which make the sidecar
 * injector mount that ConfigMap into the proxy container. Used by `envoyfilter` and by `wasmplugin` with
 * a `file://` URL.
 *
 * Never clobber: each filter has a volume of its own (`wasm-<name>`) mounted at a directory of its own, and
 * the patch adds that entry to what the annotations already hold, for other filters or the user (the
 * annotations are JSON strings, which a strategic-merge patch would replace whole). `addModuleVolume` does
 * the merge on Deployment objects; the generated command runs that same function with node between
 * `kubectl get` and `kubectl replace` (which refuses a Deployment that changed in between).
 */
import { createHash } from "node:crypto";
import { posix } from "node:path";
import { ManifestError } from "./errors.ts";
import {
  CONFIGMAP_MAX_BYTES,
  type FileSource,
  type ManifestDocument,
  type ManifestInput,
  type ModuleVolume,
  type ModuleVolumeMount,
  type PatchTarget,
  type WorkloadPatch,
} from "./types.ts";

/** The ConfigMap that carries the module under the file name the proxy will read. */
export function moduleConfigMap(input: ManifestInput, source: FileSource): ManifestDocument {
  const key = posix.basename(input.modulePath);
  const size = source.bytes.length + key.length;
  if (size > CONFIGMAP_MAX_BYTES) {
    throw new ManifestError(
      (n) =>
        `the module is ${formatBytes(source.bytes.length)} but a ConfigMap holds at most 1 MiB; ` +
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

/** `wasm-<name>` as a pod volume name (a DNS-1123 label: no dots, at most 63 characters). */
export function moduleVolumeName(name: string): string {
  const volume = `wasm-${name.replace(/\./g, "-")}`;
  if (volume.length <= 63) return volume;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 8);
  return `${volume.slice(0, 54).replace(/-+$/, "")}-${hash}`;
}

/** What `addModuleVolume` is asked to do. */
export interface ModuleVolumeRequest {
  target: PatchTarget;
  volume: ModuleVolume;
  volumeMount: ModuleVolumeMount;
}

/**
 * Adds the filter's volume and mount to the pod template annotations of the Deployments `input` (one
 * Deployment, or a List as `kubectl get deployments -o json` prints) that the target selects, by name or
 * by pod-template labels. Entries of other volumes are kept; this filter's own entries are replaced in
 * place (so applying twice changes nothing); another volume already mounted at the same path is refused. Returns a
 * List of the changed Deployments.
 *
 * An annotation holding a map (volume name → volume), which Istio's injection template reads too, gets
 * an entry of that shape. The generated command runs this function's source with node: it must stay
 * self-contained (no imports, no outer names, no comments inside, no named inner functions, which a
 * keep-names transform would wrap in a helper) and plain JavaScript once types are stripped.
 */
export function addModuleVolume(input: unknown, request: ModuleVolumeRequest): { apiVersion: "v1"; kind: "List"; items: unknown[] } {
  type Entry = { name?: unknown; mountPath?: unknown };
  type Deployment = {
    metadata?: { name?: string; namespace?: string };
    spec?: { template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } } };
  };
  const { target } = request;
  const list = input as { items?: Deployment[] };
  const deployments: Deployment[] = Array.isArray(list.items) ? list.items : [input as Deployment];
  const wanted = Object.entries(target.labels);
  const selected = deployments.filter((deployment) =>
    target.name !== undefined
      ? deployment.metadata?.name === target.name
      : wanted.every(([key, value]) => deployment.spec?.template?.metadata?.labels?.[key] === value),
  );
  const where = target.name !== undefined ? `named ${target.name}` : wanted.length > 0 ? `whose pod template has ${wanted.map(([k, v]) => `${k}=${v}`).join(",")}` : "at all";
  if (selected.length === 0) throw new Error(`no Deployment in namespace ${target.namespace} ${where}`);

  for (const deployment of selected) {
    const spec = (deployment.spec ??= {});
    const template = (spec.template ??= {});
    const metadata = (template.metadata ??= {});
    const annotations = (metadata.annotations ??= {});
    const additions: Array<[string, Entry & { name: string }]> = [
      ["sidecar.istio.io/userVolume", request.volume],
      ["sidecar.istio.io/userVolumeMount", request.volumeMount],
    ];
    for (const [annotation, entry] of additions) {
      const text = annotations[annotation];
      let current: unknown = [];
      if (text !== undefined && text.trim() !== "") {
        try {
          current = JSON.parse(text);
        } catch {
          throw new Error(`the ${annotation} annotation of ${deployment.metadata?.name} is not JSON; fix it by hand first`);
        }
      }
      if (Array.isArray(current)) {
        const entries = current as Entry[];
        const clash = entries.find((other) => other.name !== entry.name && entry.mountPath !== undefined && other.mountPath === entry.mountPath);
        if (clash) throw new Error(`${String(entry.mountPath)} is already the mount path of volume ${String(clash.name)}`);
        const own = entries.findIndex((other) => other.name === entry.name);
        annotations[annotation] = JSON.stringify(own >= 0 ? entries.map((other, i) => (i === own ? entry : other)) : [...entries, entry]);
      } else if (current !== null && typeof current === "object") {
        const { name, ...rest } = entry;
        const map = current as Record<string, Entry>;
        const clash = Object.keys(map).find((other) => other !== name && entry.mountPath !== undefined && map[other]?.mountPath === entry.mountPath);
        if (clash !== undefined) throw new Error(`${String(entry.mountPath)} is already the mount path of volume ${clash}`);
        annotations[annotation] = JSON.stringify({ ...map, [name]: rest });
      } else {
        throw new Error(`the ${annotation} annotation of ${deployment.metadata?.name} is neither a JSON array nor an object; fix it by hand first`);
      }
    }
  }
  return { apiVersion: "v1", kind: "List", items: selected };
}

/**
 * The node program the command runs: stdin (kubectl's JSON) → addModuleVolume → stdout; a refusal is one
 * line and exit 1. `oneLine` folds it for a command line (the function's printed source ends every
 * statement with a semicolon and holds no comment).
 */
export function mergeProgram(request: ModuleVolumeRequest, oneLine: boolean): string {
  const lines = [
    `const addModuleVolume = ${addModuleVolume.toString()};`,
    `const request = ${JSON.stringify(request)};`,
    "try {",
    '  const changed = addModuleVolume(JSON.parse(require("fs").readFileSync(0, "utf8")), request);',
    '  for (const d of changed.items) console.error(`patching Deployment ${d.metadata.namespace}/${d.metadata.name}: its pods restart`);',
    "  process.stdout.write(JSON.stringify(changed));",
    "} catch (error) {",
    '  console.error(`error: ${error.message}`);',
    "  process.exit(1);",
    "}",
  ];
  const program = lines.join("\n");
  return oneLine ? program.replace(/\n\s*/g, " ") : program;
}

function pipeline(namespace: string, program: string): string {
  return `kubectl get deployments -n ${shellQuote(namespace)} -o json | node -e ${shellQuote(program)} | kubectl replace -f -`;
}

/** The patch adding the input's volume and mount, and the command applying it. */
export function workloadPatch(input: ManifestInput): WorkloadPatch {
  const ns = input.namespace;
  const volume: ModuleVolume = { name: moduleVolumeName(input.name), configMap: { name: input.name } };
  const volumeMount: ModuleVolumeMount = { name: volume.name, mountPath: posix.dirname(input.modulePath), readOnly: true };
  const target: PatchTarget = {
    kind: "Deployment",
    namespace: ns,
    ...(input.workload !== undefined ? { name: input.workload } : {}),
    labels: input.workload !== undefined ? {} : { ...input.selector },
  };
  const labels = Object.entries(target.labels).map(([k, v]) => `${k}=${v}`).join(",");
  const restarts =
    target.name !== undefined
      ? `the pods of Deployment ${ns}/${target.name}`
      : labels !== ""
        ? `the pods of every Deployment in ${ns} whose pod template has ${labels}`
        : `the pods of every Deployment in ${ns}`;
  const request = { target, volume, volumeMount };
  const command = `set -o pipefail; ${pipeline(ns, mergeProgram(request, true))}`;
  const script = [
    "#!/usr/bin/env bash",
    `# Adds volume ${volume.name} (ConfigMap ${volume.configMap.name}) at ${volumeMount.mountPath} in the istio-proxy`,
    "# container, keeping every volume the sidecar.istio.io/userVolume(Mount) annotations already list.",
    `# This restarts ${restarts}. Needs kubectl and node.`,
    "set -euo pipefail",
    pipeline(ns, mergeProgram(request, false)),
    "",
  ].join("\n");
  return { target, volume, volumeMount, command, script, restarts };
}

/** POSIX-shell single quoting. */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_./:=,@%+-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(2)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}
