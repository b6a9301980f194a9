/**
 * The manifests library: `createManifests(kind, options)` validates the option object for the kind,
 * resolves the module (example, file or pushed image), and returns the documents, workload patches and
 * notes. KINDS says which generator and which options each kind takes.
 *
 *   const set = await createManifests("wasmplugin", { image: "ghcr.io/acme/add-header:v1", selector: { app: "web" } });
 *   process.stdout.write(toYaml(set));
 */
import { asmManifests } from "./asm.ts";
import { envoyBootstrap } from "./envoy.ts";
import { envoyFilterManifests } from "./envoyfilter.ts";
import { ManifestError } from "./errors.ts";
import { buildInput } from "./input.ts";
import type { ManifestOptions, OptionName, RegistryAccess } from "./options.ts";
import { registryDigestResolver } from "./registry-digest.ts";
import { resolveSource, type DigestResolver } from "./source.ts";
import { MANIFEST_KINDS, type ManifestInput, type ManifestKind, type ManifestSet } from "./types.ts";
import { wasmeManifests } from "./wasme.ts";
import { wasmPluginManifests } from "./wasmplugin.ts";

export interface KindSpec {
  summary: string;
  generate(input: ManifestInput): ManifestSet;
  /** Options this kind understands besides the common ones. */
  options: readonly OptionName[];
  /** Whether an `--image` source needs its manifest digest (looked up in the registry). */
  needsDigest: boolean;
}

/** Options every kind accepts. */
export const COMMON_OPTIONS: readonly OptionName[] = ["example", "name", "rootId", "config"];

export const KINDS: Record<ManifestKind, KindSpec> = {
  wasmplugin: {
    summary: "Istio WasmPlugin (oci:// image with sha256, or file:// + ConfigMap + workload patch)",
    generate: wasmPluginManifests,
    options: [
      "image", "wasm", "url", "digest", "namespace", "selector", "phase", "failStrategy", "pullSecret",
      "pullPolicy", "workload", "modulePath",
    ],
    needsDigest: true,
  },
  envoyfilter: {
    summary: "Istio EnvoyFilter + ConfigMap holding the module + workload patch (userVolume annotations)",
    generate: envoyFilterManifests,
    options: ["wasm", "namespace", "selector", "failStrategy", "vmId", "context", "workload", "modulePath"],
    needsDigest: false,
  },
  asm: {
    summary: "Alibaba Cloud ASM ASMFilterDeployment (pushed image)",
    generate: asmManifests,
    options: ["image", "namespace", "selector", "pullSecret", "context"],
    needsDigest: false,
  },
  wasme: {
    summary: "Solo.io wasme operator FilterDeployment (pushed image)",
    generate: wasmeManifests,
    options: ["image", "namespace", "selector", "pullSecret", "context"],
    needsDigest: false,
  },
  envoy: {
    summary: "standalone Envoy bootstrap: listener, HTTP connection manager, wasm filter, router, upstream cluster",
    generate: envoyBootstrap,
    options: ["wasm", "failStrategy", "vmId", "modulePath", "upstream", "listenPort", "adminPort"],
    needsDigest: false,
  },
};

/** The kinds that take `option` (all of them for the common options). */
export function kindsTaking(option: OptionName): ManifestKind[] {
  return MANIFEST_KINDS.filter((kind) => COMMON_OPTIONS.includes(option) || KINDS[kind].options.includes(option));
}

export interface ManifestContext {
  /** How to reach the image's registry. */
  registry?: RegistryAccess;
  /** Directory `build/<example>.wasm` is resolved against (default: process.cwd()). */
  cwd?: string;
  /** Looks up an image's manifest digest (default: the OCI client in scripts/oci/). */
  resolveDigest?: DigestResolver;
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
  const { source, names } = await resolveSource(
    {
      example: options.example,
      image: options.image,
      wasm: options.wasm,
      url: options.url,
      digest: options.digest,
      needDigest: spec.needsDigest,
      registry: context.registry ?? {},
      cwd: context.cwd ?? process.cwd(),
    },
    context.resolveDigest ?? registryDigestResolver,
  );
  const input: ManifestInput = buildInput(kind, options, source, names);
  return spec.generate(input);
}
