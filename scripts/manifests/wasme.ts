/**
 * Solo.io wasme operator `FilterDeployment` (wasme.io/v1), as in the Istio blog post (seed 002):
 * `spec.deployment.istio {kind, labels}` and `spec.filter {config, image}`. From wasme's FilterSpec we add
 * `rootID` when the root id is known (otherwise the operator reads it from the image's runtime config) and
 * `imagePullOptions.pullSecret` when a pull secret is given. The operator always patches SIDECAR_INBOUND.
 */
import { ManifestError } from "./errors.ts";
import { pullSecretCommand } from "./pull-secrets.ts";
import type { ManifestInput, ManifestSet } from "./types.ts";
import { configurationString } from "./wasm-filter.ts";

export function wasmeManifests(input: ManifestInput): ManifestSet {
  const { source } = input;
  if (source.type !== "image") {
    throw new ManifestError((n) => `wasme deploys a pushed image: give ${n("image")} <reference> (push the module first)`);
  }
  if (input.context !== "SIDECAR_INBOUND") {
    throw new ManifestError((n) => `the wasme operator always inserts the filter in SIDECAR_INBOUND; leave ${n("context")} out`);
  }
  const istio: Record<string, unknown> = { kind: "Deployment" };
  if (Object.keys(input.selector).length > 0) istio.labels = { ...input.selector };
  const filter: Record<string, unknown> = {};
  if (input.config !== undefined) filter.config = configurationString(input.config);
  filter.image = source.reference;
  if (input.rootIdExplicit) filter.rootID = input.rootId;
  if (input.pullSecret !== undefined) filter.imagePullOptions = { pullSecret: input.pullSecret };
  const notes =
    input.pullSecret !== undefined
      ? [
          `wasme expects the Secret ${input.pullSecret} in namespace ${input.namespace} with keys username and password:`,
          pullSecretCommand("wasme", input.pullSecret, input.namespace, source.reference),
        ]
      : [];
  return {
    documents: [
      {
        apiVersion: "wasme.io/v1",
        kind: "FilterDeployment",
        metadata: { name: input.name, namespace: input.namespace },
        spec: { deployment: { istio }, filter },
      },
    ],
    patches: [],
    notes,
  };
}
