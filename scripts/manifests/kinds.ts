/**
 * The manifest kinds: which generator, which options each takes, and which deployment target loads a
 * pushed image for it. The CLI's help and the README's table are held to this.
 */
import { asmManifests } from "./asm.ts";
import { envoyBootstrap } from "./envoy.ts";
import { envoyFilterManifests } from "./envoyfilter.ts";
import type { DeployTarget } from "../oci/index.ts";
import type { OptionName } from "./options.ts";
import { MANIFEST_KINDS, type ManifestInput, type ManifestKind, type ManifestSet } from "./types.ts";
import { wasmeManifests } from "./wasme.ts";
import { wasmPluginManifests } from "./wasmplugin.ts";

export interface KindSpec {
  summary: string;
  generate(input: ManifestInput): ManifestSet;
  /** Options this kind understands besides the common ones. */
  options: readonly OptionName[];
  /** Who loads a pushed image for this kind (whose verdict on the artifact must be "loads it"). */
  target?: DeployTarget;
}

/** Options every kind accepts. */
export const COMMON_OPTIONS: readonly OptionName[] = ["example", "name", "rootId", "config", "verifyConfig"];

export const KINDS: Record<ManifestKind, KindSpec> = {
  wasmplugin: {
    summary: "Istio WasmPlugin (oci:// image with sha256, or file:// + ConfigMap + workload patch)",
    generate: wasmPluginManifests,
    options: [
      "image", "wasm", "url", "digest", "namespace", "selector", "allWorkloads", "phase", "failStrategy", "pullSecret",
      "pullPolicy", "workload", "modulePath",
    ],
    target: "istio",
  },
  envoyfilter: {
    summary: "Istio EnvoyFilter + ConfigMap holding the module + workload patch (userVolume annotations)",
    generate: envoyFilterManifests,
    options: ["wasm", "namespace", "selector", "allWorkloads", "failStrategy", "vmId", "context", "workload", "modulePath"],
  },
  asm: {
    summary: "Alibaba Cloud ASM ASMFilterDeployment (pushed image)",
    generate: asmManifests,
    options: ["image", "digest", "namespace", "selector", "pullSecret", "context"],
    target: "asm",
  },
  wasme: {
    summary: "Solo.io wasme operator FilterDeployment (pushed image)",
    generate: wasmeManifests,
    options: ["image", "digest", "namespace", "selector", "allWorkloads", "pullSecret", "context"],
    target: "wasme",
  },
  envoy: {
    summary: "standalone Envoy bootstrap: listener, HTTP connection manager, wasm filter, router, upstream cluster",
    generate: envoyBootstrap,
    options: ["wasm", "failStrategy", "vmId", "modulePath", "upstream", "listenPort", "adminPort"],
  },
};

/** The kinds that take `option` (all of them for the common options). */
export function kindsTaking(option: OptionName): ManifestKind[] {
  return MANIFEST_KINDS.filter((kind) => COMMON_OPTIONS.includes(option) || KINDS[kind].options.includes(option));
}
