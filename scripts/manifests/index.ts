/**
 * The manifests library: `createManifests(kind, options)` validates the option object for the kind,
 * resolves the module (example, file or pushed image), and returns the documents, workload patches and
 * notes. KINDS (kinds.ts) says which generator and which options each kind takes.
 *
 *   const set = await createManifests("wasmplugin", { image: "ghcr.io/acme/add-header:v1", selector: { app: "web" } });
 *   process.stdout.write(toYaml(set));
 */
import { ManifestError, optionKey, type OptionNamer } from "./errors.ts";
import { ASM_PULL_SECRET, ASM_PULL_SECRET_NAMESPACE, pullSecretCommand } from "./pull-secrets.ts";
import { buildInput } from "./input.ts";
import { DEFAULT_NAMESPACE, type ManifestOptions, type OptionName, type RegistryAccess } from "./options.ts";
import { resolveSource } from "./source.ts";
import { fetchImageArtifact, type ImageArtifact } from "./artifact.ts";
import { verifyConfiguration } from "./verify.ts";
import { TARGETS, type DeployTarget } from "../oci/index.ts";
import type { ManifestInput, ManifestKind, ManifestSet } from "./types.ts";
import { COMMON_OPTIONS, KINDS, kindsTaking } from "./kinds.ts";

export { COMMON_OPTIONS, KINDS, kindsTaking, type KindSpec } from "./kinds.ts";

export interface ManifestContext {
  /** How to reach the image's registry. */
  registry?: RegistryAccess;
  /** Directory `build/<example>.wasm` is resolved against (default: process.cwd()). */
  cwd?: string;
  /** Sees every secret the OCI client learns (for redaction). */
  onSecret?: (secret: string) => void;
  /** How notes name options (default: the option keys; a CLI passes its flag names). */
  optionName?: OptionNamer;
}

/** The documents, workload patches and notes that deploy a module as `kind`. */
export async function createManifests(kind: ManifestKind, options: ManifestOptions, context: ManifestContext = {}): Promise<ManifestSet> {
  const spec = KINDS[kind];
  for (const [key, value] of Object.entries(options) as [OptionName, unknown][]) {
    if (value === undefined || COMMON_OPTIONS.includes(key) || spec.options.includes(key)) continue;
    const others = kindsTaking(key);
    throw new ManifestError(
      (n) => `${n(key)} does not apply to ${kind}` + (others.length > 0 ? ` (it applies to ${others.join(", ")})` : ""),
    );
  }
  const { source, names } = resolveSource({
    example: options.example,
    image: options.image,
    wasm: options.wasm,
    url: options.url,
    digest: options.digest,
    cwd: context.cwd ?? process.cwd(),
  });
  checkScope(kind, options);
  const verify = options.verifyConfig ?? true;
  if (source.type === "file") {
    const input = buildInput(kind, options, source, names);
    const set = spec.generate(input);
    if (verify) await verifyConfiguration(kind, source.bytes, input, source.path);
    return set;
  }
  if (source.digest !== undefined) {
    const set = spec.generate(buildInput(kind, options, source, names));
    return spec.target !== undefined ? withNotes(set, [uncheckedNote(spec.target, source.reference)]) : set;
  }
  // Everything that does not depend on the artifact is refused before the registry is asked: a dry run of
  // the (pure) generator with a stand-in digest.
  spec.generate(buildInput(kind, options, { ...source, digest: STAND_IN_DIGEST }, names));
  const artifact = await fetchImageArtifact(source.reference, context.registry ?? {}, context.onSecret);
  if (spec.target !== undefined) checkArtifact(kind, spec.target, source.reference, artifact);
  const input = buildInput(kind, options, { ...source, digest: artifact.digest }, names, artifact.rootIds);
  const set = spec.generate(input);
  if (verify) await verifyConfiguration(kind, artifact.wasm, input, source.reference);
  const needsSecret = artifact.usedCredentials && options.pullSecret === undefined;
  return needsSecret ? withNotes(set, pullSecretHint(kind, input, context.optionName ?? optionKey)) : set;
}

/** The registry wanted credentials from this machine, so the cluster's puller will need some too. */
function pullSecretHint(kind: ManifestKind, input: ManifestInput, n: OptionNamer): string[] {
  const reference = input.source.type === "image" ? input.source.reference : "";
  const asked = `${reference.slice(0, reference.indexOf("/"))} asked for credentials, so the cluster needs them too`;
  if (kind === "asm") {
    return [`${asked}: ASM's controller reads them from the Secret ${ASM_PULL_SECRET_NAMESPACE}/${ASM_PULL_SECRET}:`, pullSecretCommand(kind, ASM_PULL_SECRET, input.namespace, reference)];
  }
  const field = kind === "wasme" ? "imagePullOptions.pullSecret" : "imagePullSecret";
  return [
    `${asked}: create a Secret and name it with ${n("pullSecret")} (${field}), e.g.:`,
    pullSecretCommand(kind, "regcred", input.namespace, reference),
  ];
}

/** An empty selector means "every workload of the namespace": the kinds where it does must be told so. */
function checkScope(kind: ManifestKind, options: ManifestOptions): void {
  if (!KINDS[kind].options.includes("allWorkloads")) return;
  const labelled = Object.keys(options.selector ?? {}).length > 0;
  if (labelled && options.allWorkloads) {
    throw new ManifestError((n) => `give ${n("selector")} or ${n("allWorkloads")}, not both`);
  }
  const ns = options.namespace ?? DEFAULT_NAMESPACE;
  const mounted = kind === "envoyfilter" || (kind === "wasmplugin" && options.image === undefined && options.url === undefined);
  if (mounted && options.allWorkloads && options.workload !== undefined) {
    throw new ManifestError(
      (n) =>
        `with ${n("allWorkloads")} the ${kind} applies to every workload in ${ns}, but only Deployment ${options.workload} ` +
        `would get the module: leave ${n("workload")} out (every Deployment is patched) or select by ${n("selector")}`,
    );
  }
  if (!labelled && !options.allWorkloads) {
    throw new ManifestError(
      (n) =>
        `no ${n("selector")}: the ${kind} would apply to every workload in namespace ${ns}` +
        (mounted ? " and the patch would restart every Deployment there" : "") +
        `; select workloads by pod labels (${n("selector")} app=<name>), or say ${n("allWorkloads")}`,
    );
  }
}

const STAND_IN_DIGEST = `sha256:${"0".repeat(64)}`;

function withNotes(set: ManifestSet, notes: string[]): ManifestSet {
  return { ...set, notes: [...notes, ...set.notes] };
}

function uncheckedNote(target: DeployTarget, reference: string): string {
  return (
    `Not checked (the digest was given, the registry not asked): whether ${TARGETS[target].title} loads ${reference}, ` +
    "its root ids, and whether it accepts the configuration."
  );
}

/** Refuses an image the kind's target cannot load. */
function checkArtifact(kind: ManifestKind, target: DeployTarget, reference: string, artifact: ImageArtifact): void {
  const verdict = artifact.targets[target];
  if (!verdict.ok) {
    throw new ManifestError(
      () =>
        `${reference} is in the ${artifact.format} format, which ${TARGETS[target].title} cannot load (${verdict.reason}); ` +
        `push it in the ${TARGETS[target].formats.join(" or ")} format for ${kind}`,
    );
  }
  if (target === "istio" && !artifact.istioPlatform) {
    throw new ManifestError(() => `${reference} is an image index without a linux/amd64 manifest, which Istio cannot load`);
  }
}
