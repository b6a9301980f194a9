/**
 * `proxy-wasm manifests <kind> [example] [options]`: deployment configuration for a built or pushed filter.
 * Flag parsing and I/O live here; the generators in scripts/manifests/ are pure.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { EXIT_OK, UsageError } from "../cli-errors.ts";
import { COMMON_OPTIONS, KINDS, generateManifests } from "../manifests/index.ts";
import { DEFAULT_LISTEN_PORT, DEFAULT_NAMESPACE, DEFAULT_UPSTREAM, buildInput, type RawOptions } from "../manifests/input.ts";
import { outputFiles, toJson, toYaml } from "../manifests/serialize.ts";
import { registryDigestResolver } from "../manifests/registry-digest.ts";
import { resolveSource, type DigestResolver, type RegistryOptions } from "../manifests/source.ts";
import { readPasswordFromStdin, SecretGuard } from "./oci-command-options.ts";
import { DEFAULT_MOUNT_DIR, MANIFEST_KINDS, type ManifestKind, type ManifestSet } from "../manifests/types.ts";
import type { Command } from "./command.ts";

const kindList = MANIFEST_KINDS.map((kind) => `  ${kind.padEnd(12)} ${KINDS[kind].summary}`).join("\n");

const help = `Usage: proxy-wasm manifests <kind> [example] [options]

Emit the configuration that deploys a filter. Prints multi-document YAML on stdout
(ready for \`kubectl apply -f -\`), or JSON with --json, or one file per document with --out.

Kinds:
${kindList}

Module source (one of):
  [example]                 an example name: add-header → build/add-header.wasm, root id add_header
  --wasm <file>             a local .wasm (wasmplugin, envoyfilter, envoy); its sha256 fills WasmPlugin.sha256
  --image <reference>       a pushed image, registry/repository:tag[@sha256:...] (wasmplugin, asm, wasme);
                            for wasmplugin the manifest digest is looked up in the registry for sha256
  --url <http(s)://...>     with --wasm, wasmplugin only: the URL the file is served from (no ConfigMap)
  --digest <sha256:...>     with --image: use this manifest digest instead of asking the registry
  --plain-http              digest lookup over http:// (default: only for localhost/127.0.0.0/8)
  -u, --username <name>     registry user for the digest lookup (with --password-stdin); otherwise Docker's
  --password-stdin          config.json ($DOCKER_CONFIG or ~/.docker) is used, as for push/pull

Options (each kind refuses options it cannot express):
  --name <name>             resource name (default: example, file or repository name, Kubernetes-safe)
  -n, --namespace <ns>      namespace (default: ${DEFAULT_NAMESPACE})
  --root-id <id>            root context id / WasmPlugin pluginName (default: the name with '-' → '_')
  --config <value|@file>    plugin configuration; a JSON object stays structured where the format allows
                            (WasmPlugin pluginConfig, which requires an object), everywhere else it is passed
                            as a string (Envoy: google.protobuf.StringValue configuration)
  -l, --selector <k=v>      workload labels (repeatable, or k1=v1,k2=v2); default: every workload in the
                            namespace (asm requires labels)
  --phase <phase>           WasmPlugin phase AUTHN | AUTHZ | STATS | UNSPECIFIED (default: unspecified =
                            Istio inserts it just before the router, where the other kinds put it too)
  --fail-strategy <s>       FAIL_CLOSE | FAIL_OPEN (default: FAIL_CLOSE, Istio's and Envoy's default);
                            WasmPlugin failStrategy, Envoy fail_open
  --pull-secret <name>      WasmPlugin imagePullSecret (a dockerconfigjson Secret in the namespace);
                            wasme imagePullOptions.pullSecret; asm only accepts asmwasm-cache
  --pull-policy <policy>    WasmPlugin imagePullPolicy IfNotPresent | Always (default: unset = IfNotPresent,
                            Always for :latest)
  --vm-id <id>              Envoy vm_config.vm_id (default: the name)
  --context <ctx>           EnvoyFilter match context / ASM patchContext: SIDECAR_INBOUND (default) |
                            SIDECAR_OUTBOUND | GATEWAY | ANY
  --workload <deployment>   the Deployment to patch with the sidecar.istio.io/userVolume(Mount) annotations
                            (default: the Deployments carrying the selector labels)
  --module-path <path>      where the proxy reads the module: for ConfigMap mounts
                            ${DEFAULT_MOUNT_DIR}/<file>.wasm (default), for envoy the local file's absolute path
  --upstream <host:port>    envoy: the upstream cluster (default: ${DEFAULT_UPSTREAM})
  --listen-port <port>      envoy: the listener port on 0.0.0.0 (default: ${DEFAULT_LISTEN_PORT})
  --admin-port <port>       envoy: add an admin interface on 127.0.0.1:<port> (default: none)

Output:
  -o, --out <dir>           write <kind>-<name>.yaml per document (envoy.yaml for envoy) and
                            patches/deployment-<target>.yaml per workload patch; print the paths
  --json                    print {"documents": [...], "patches": [...], "notes": [...]}
  -h, --help                this text

Examples:
  proxy-wasm manifests wasmplugin --image ghcr.io/acme/add-header:v1 -l app=productpage --phase AUTHZ \\
      --config '{"header":"x-hello"}' --pull-secret regcred
  proxy-wasm manifests envoyfilter add-header -n bookinfo -l app=details,version=v1 --workload details-v1
  proxy-wasm manifests asm --image registry.example.com/asm/add-header:v1 --root-id add_header -l app=details
  proxy-wasm manifests wasme --image webassemblyhub.io/acme/add-header:v1 -n bookinfo -l app=details --config tomorrow
  proxy-wasm manifests envoy add-header --upstream 127.0.0.1:8080 --listen-port 10000 > envoy.yaml

Exit codes: 0 success, 1 the operation failed (registry unreachable, digest lookup failed, cannot write),
2 bad usage or input (unknown kind or flag, option the kind cannot express, invalid name, not a wasm file,
module over 1 MiB for a ConfigMap).`;

/** Flag name (as typed) for each RawOptions key, for messages. */
const FLAG: Record<keyof RawOptions, string> = {
  example: "[example]",
  image: "--image",
  wasm: "--wasm",
  url: "--url",
  digest: "--digest",
  name: "--name",
  namespace: "--namespace",
  rootId: "--root-id",
  config: "--config",
  selector: "--selector",
  phase: "--phase",
  failStrategy: "--fail-strategy",
  pullSecret: "--pull-secret",
  pullPolicy: "--pull-policy",
  vmId: "--vm-id",
  context: "--context",
  workload: "--workload",
  modulePath: "--module-path",
  upstream: "--upstream",
  listenPort: "--listen-port",
  adminPort: "--admin-port",
};

export interface ManifestsDependencies {
  /** Looks up an image's manifest digest (default: the OCI client in scripts/oci/). */
  resolveDigest?: DigestResolver;
  /** Where output goes (default: process.stdout / process.stderr). */
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  /** Reads the --password-stdin password (default: standard input). */
  readPassword?: () => Promise<string>;
  /** Directory `build/<example>.wasm` is resolved against (default: process.cwd()). */
  cwd?: string;
}

function isKind(value: string): value is ManifestKind {
  return (MANIFEST_KINDS as readonly string[]).includes(value);
}

/** Parses the arguments and returns the generated set (no output). Exported for tests. */
export async function buildManifests(
  args: string[],
  deps: ManifestsDependencies = {},
): Promise<{ kind: ManifestKind; set: ManifestSet; out?: string; json: boolean }> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      image: { type: "string" },
      wasm: { type: "string" },
      url: { type: "string" },
      digest: { type: "string" },
      "plain-http": { type: "boolean" },
      username: { type: "string", short: "u" },
      "password-stdin": { type: "boolean" },
      name: { type: "string" },
      namespace: { type: "string", short: "n" },
      "root-id": { type: "string" },
      config: { type: "string" },
      selector: { type: "string", short: "l", multiple: true },
      phase: { type: "string" },
      "fail-strategy": { type: "string" },
      "pull-secret": { type: "string" },
      "pull-policy": { type: "string" },
      "vm-id": { type: "string" },
      context: { type: "string" },
      workload: { type: "string" },
      "module-path": { type: "string" },
      upstream: { type: "string" },
      "listen-port": { type: "string" },
      "admin-port": { type: "string" },
      out: { type: "string", short: "o" },
      json: { type: "boolean" },
    },
  });
  const [kindArg, example, ...extra] = positionals;
  if (kindArg === undefined) throw new UsageError(`missing kind: one of ${MANIFEST_KINDS.join(", ")}`);
  if (!isKind(kindArg)) throw new UsageError(`unknown kind "${kindArg}": one of ${MANIFEST_KINDS.join(", ")}`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (values.json && values.out !== undefined) throw new UsageError("give either --json or --out, not both");
  const kind = kindArg;

  const raw: RawOptions = {
    example,
    image: values.image,
    wasm: values.wasm,
    url: values.url,
    digest: values.digest,
    name: values.name,
    namespace: values.namespace,
    rootId: values["root-id"],
    config: values.config,
    selector: values.selector,
    phase: values.phase,
    failStrategy: values["fail-strategy"],
    pullSecret: values["pull-secret"],
    pullPolicy: values["pull-policy"],
    vmId: values["vm-id"],
    context: values.context,
    workload: values.workload,
    modulePath: values["module-path"],
    upstream: values.upstream,
    listenPort: values["listen-port"],
    adminPort: values["admin-port"],
  };
  const spec = KINDS[kind];
  const accepted = new Set<keyof RawOptions>([...COMMON_OPTIONS, ...spec.options]);
  for (const key of Object.keys(FLAG) as (keyof RawOptions)[]) {
    if (raw[key] !== undefined && !accepted.has(key)) {
      const others = MANIFEST_KINDS.filter((k) => KINDS[k].options.includes(key));
      throw new UsageError(
        `${FLAG[key]} does not apply to ${kind}` + (others.length > 0 ? ` (it applies to ${others.join(", ")})` : ""),
      );
    }
  }
  const registryFlags = [values["plain-http"], values.username, values["password-stdin"]];
  if (registryFlags.some((v) => v !== undefined) && raw.image === undefined) {
    throw new UsageError("--plain-http, --username and --password-stdin go with --image");
  }
  if ((values.username === undefined) !== (values["password-stdin"] === undefined)) {
    throw new UsageError("--username and --password-stdin go together (passwords are never taken as arguments)");
  }
  const registry: RegistryOptions = {};
  const guard = new SecretGuard();
  if (values["plain-http"] !== undefined) registry.plainHttp = values["plain-http"];
  if (values.username !== undefined) {
    const readPassword = deps.readPassword ?? (() => readPasswordFromStdin());
    registry.credentials = { username: values.username, password: await readPassword() };
    guard.secrets.addBasic(registry.credentials.username, registry.credentials.password);
  }

  const request = {
    example: raw.example,
    image: raw.image,
    wasm: raw.wasm,
    url: raw.url,
    digest: raw.digest,
    needDigest: spec.needsDigest,
    registry,
    cwd: deps.cwd ?? process.cwd(),
  };
  const resolver = deps.resolveDigest ?? registryDigestResolver;
  // The guard keeps the --password-stdin password out of any error message.
  const { source, names } = await guard.run(() => resolveSource(request, resolver));
  const input = buildInput(kind, raw, source, names);
  return { kind, set: generateManifests(kind, input), out: values.out, json: values.json ?? false };
}

export function createManifestsCommand(deps: ManifestsDependencies = {}): Command {
  const stdout = deps.stdout ?? ((text: string) => void process.stdout.write(text));
  const stderr = deps.stderr ?? ((text: string) => void process.stderr.write(text));
  return {
    name: "manifests",
    summary: "emit Istio WasmPlugin/EnvoyFilter, ASM, wasme or Envoy configuration for a filter",
    help,
    async run(args: string[]): Promise<number> {
      const { set, out, json } = await buildManifests(args, deps);
      if (json) {
        stdout(toJson(set));
      } else if (out !== undefined) {
        for (const file of outputFiles(set)) {
          const path = join(out, file.path);
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, file.content);
          stdout(`${path}\n`);
        }
        if (set.notes.length > 0) stderr(`${set.notes.join("\n")}\n`);
      } else {
        stdout(toYaml(set));
      }
      return EXIT_OK;
    },
  };
}

export const manifestsCommand: Command = createManifestsCommand();
