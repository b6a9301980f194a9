/**
 * The manifest kinds: which generator, which options each accepts, and whether it needs an image digest.
 * `generateManifests` is the pure entry point (input object → documents).
 */
import { asmManifests } from "./asm.ts";
import { envoyBootstrap } from "./envoy.ts";
import { envoyFilterManifests } from "./envoyfilter.ts";
import type { RawOptions } from "./input.ts";
import type { ManifestInput, ManifestKind, ManifestSet } from "./types.ts";
import { wasmeManifests } from "./wasme.ts";
import { wasmPluginManifests } from "./wasmplugin.ts";

export interface KindSpec {
  summary: string;
  generate(input: ManifestInput): ManifestSet;
  /** Options (RawOptions keys) this kind understands besides the source and common ones. */
  options: ReadonlyArray<keyof RawOptions>;
  /** Whether an `--image` source needs its manifest digest (looked up in the registry). */
  needsDigest: boolean;
}

/** Options every kind accepts. */
export const COMMON_OPTIONS: ReadonlyArray<keyof RawOptions> = ["example", "name", "rootId", "config"];

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

/** Generates the documents of one kind from a resolved input. */
export function generateManifests(kind: ManifestKind, input: ManifestInput): ManifestSet {
  return KINDS[kind].generate(input);
}
