/**
 * Which deployment targets can load an artifact, judged from its manifest alone: one verdict per target.
 * `inspect` shows them, `push` prints deploy hints only for the targets that load what it pushed, and the
 * manifests library refuses to emit a resource whose target would reject the artifact. See docs/oci.md §1.
 */
import { locateWasm, istioVerdict, type FormatName } from "./formats.ts";
import type { ImageManifest } from "./manifest.ts";
import { MediaType } from "./media-types.ts";

export type DeployTarget = "istio" | "asm" | "wasme" | "envoy";

export const DEPLOY_TARGETS: readonly DeployTarget[] = ["istio", "asm", "wasme", "envoy"];

export interface TargetVerdict {
  ok: boolean;
  /** Why it loads or not, in one clause. */
  reason: string;
}

export interface TargetSpec {
  /** Who loads the artifact, for messages. */
  title: string;
  /** The push formats it loads, best first (what to push instead when it refuses an artifact). */
  formats: readonly FormatName[];
  judge(manifest: ImageManifest, manifestMediaType: string): TargetVerdict;
}

function wasmeLayers(manifest: ImageManifest): number {
  return manifest.layers.filter((layer) => layer.mediaType === MediaType.wasmeLayer).length;
}

export const TARGETS: Readonly<Record<DeployTarget, TargetSpec>> = {
  istio: {
    title: "Istio (WasmPlugin, or EnvoyFilter code fetched by istio-agent)",
    formats: ["wasme", "compat"],
    // istio-agent's image fetcher (docs/oci.md §1b): compat by the last layer, else exactly 2 layers.
    judge: (manifest, mediaType) => istioVerdict(manifest, mediaType),
  },
  asm: {
    title: "Alibaba ASM (its controller pulls the module with ORAS)",
    formats: ["oras", "wasme"],
    // ASM's article pushes `oras push … example-filter.wasm:application/vnd.module.wasm.content.layer.v1+wasm`;
    // the controller pulls that layer by its media type.
    judge: (manifest) => {
      const count = wasmeLayers(manifest);
      return count === 1
        ? { ok: true, reason: `one ${MediaType.wasmeLayer} layer` }
        : { ok: false, reason: `needs one layer of type ${MediaType.wasmeLayer}, found ${count}` };
    },
  },
  wasme: {
    title: "the Solo wasme operator",
    formats: ["wasme", "oras"],
    // wasme's puller takes the layer of the wasm media type and reads root ids from the runtime config.
    judge: (manifest) => {
      const count = wasmeLayers(manifest);
      if (count !== 1) return { ok: false, reason: `needs one layer of type ${MediaType.wasmeLayer}, found ${count}` };
      if (manifest.config.mediaType !== MediaType.wasmeConfig) {
        return { ok: false, reason: `needs a ${MediaType.wasmeConfig} config (the runtime config), found ${manifest.config.mediaType}` };
      }
      return { ok: true, reason: `${MediaType.wasmeLayer} layer and runtime config` };
    },
  },
  envoy: {
    title: "Envoy (a local file: proxy-wasm pull it first)",
    formats: ["wasme", "compat", "cncf", "oras"],
    judge: (manifest) => {
      try {
        return { ok: true, reason: `after pull: the module is the ${locateWasm(manifest).format} layer` };
      } catch (error) {
        return { ok: false, reason: (error as Error).message };
      }
    },
  },
};

/** Every target's verdict on a manifest (`manifestMediaType`: as the registry served it). */
export function targetVerdicts(manifest: ImageManifest, manifestMediaType: string): Record<DeployTarget, TargetVerdict> {
  const verdicts = {} as Record<DeployTarget, TargetVerdict>;
  for (const target of DEPLOY_TARGETS) verdicts[target] = TARGETS[target].judge(manifest, manifestMediaType || MediaType.ociManifest);
  return verdicts;
}
