/**
 * Alibaba Cloud Service Mesh `ASMFilterDeployment` (istio.alibabacloud.com/v1beta1), field for field as in
 * the ASM documentation (seed 001): `spec.workload {kind, labels}` and
 * `spec.filter {patchContext, parameters, image, rootID, id}`. ASM's controller pulls the image itself and
 * reads registry credentials only from the Secret `istio-system/asmwasm-cache`.
 */
import { ManifestError } from "./errors.ts";
import { ASM_PULL_SECRET, ASM_PULL_SECRET_NAMESPACE, pullSecretCommand } from "./pull-secrets.ts";
import type { ManifestInput, ManifestSet } from "./types.ts";
import { configurationString } from "./wasm-filter.ts";


export function asmManifests(input: ManifestInput): ManifestSet {
  const { source } = input;
  if (source.type !== "image") {
    throw new ManifestError((n) => `asm deploys a pushed image: give ${n("image")} <reference> (push the module first)`);
  }
  if (Object.keys(input.selector).length === 0) {
    throw new ManifestError((n) => `asm needs the target workload's labels: ${n("selector")} app=<name> (repeatable)`);
  }
  const notes: string[] = [];
  if (input.pullSecret !== undefined) {
    if (input.pullSecret !== ASM_PULL_SECRET) {
      throw new ManifestError(
        (n) =>
          `ASM reads registry credentials only from the Secret ${ASM_PULL_SECRET_NAMESPACE}/${ASM_PULL_SECRET}; ` +
          `use ${n("pullSecret")} ${ASM_PULL_SECRET} (or leave it out)`,
      );
    }
    notes.push(`Registry credentials: ${pullSecretCommand("asm", ASM_PULL_SECRET, input.namespace, source.reference)}`);
  }
  const filter: Record<string, unknown> = { patchContext: input.context };
  if (input.config !== undefined) filter.parameters = configurationString(input.config);
  filter.image = source.reference;
  filter.rootID = input.rootId;
  filter.id = `${input.name}.${input.namespace}`;
  return {
    documents: [
      {
        apiVersion: "istio.alibabacloud.com/v1beta1",
        kind: "ASMFilterDeployment",
        metadata: { name: input.name, namespace: input.namespace },
        spec: {
          workload: { kind: "Deployment", labels: { ...input.selector } },
          filter,
        },
      },
    ],
    patches: [],
    notes,
  };
}
