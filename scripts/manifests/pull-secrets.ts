/**
 * Registry credentials in the cluster: which Secret each kind's puller reads, and the command creating it.
 * The generators note it when a pull secret is given; createManifests notes it when the registry asked this
 * machine for credentials and none was given (the cluster will be asked too).
 */
import type { ManifestKind } from "./types.ts";

/** ASM's controller reads registry credentials only from this Secret (seed 001). */
export const ASM_PULL_SECRET = "asmwasm-cache";
export const ASM_PULL_SECRET_NAMESPACE = "istio-system";

/** The command creating the Secret `name` that `kind` reads for `reference`'s registry. */
export function pullSecretCommand(kind: ManifestKind, name: string, namespace: string, reference: string): string {
  switch (kind) {
    case "asm":
      return (
        `kubectl create secret generic ${ASM_PULL_SECRET} -n ${ASM_PULL_SECRET_NAMESPACE} ` +
        "--from-file=.dockerconfigjson=<docker config.json> --type=kubernetes.io/dockerconfigjson"
      );
    case "wasme":
      return `kubectl create secret generic ${name} -n ${namespace} --from-literal=username=<user> --from-literal=password=<password>`;
    default:
      return (
        `kubectl create secret docker-registry ${name} -n ${namespace} --docker-server=${reference.slice(0, reference.indexOf("/"))} ` +
        "--docker-username=<user> --docker-password=<password>"
      );
  }
}
