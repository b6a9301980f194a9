/** `proxy-wasm push`: a module to an OCI registry (or an OCI image layout) as a Wasm artifact. */
import { basename, join } from "node:path";
import { EXIT_OK, UsageError } from "../cli-errors.ts";
import {
  buildArtifact,
  DEPLOY_TARGETS,
  digestHex,
  FORMAT_NAMES,
  FORMATS,
  isFormatName,
  pushArtifact,
  resolve,
  TARGETS,
  targetVerdicts,
  terminalProgress,
  type FormatName,
  type ImageManifest,
} from "../oci/index.ts";
import type { Command } from "./command.ts";
import { loadModuleFile } from "./module-file.ts";
import { defineFlags, parseCommandLine, quoted, renderHelp } from "./flags.ts";
import { clientOptionsFrom, registryCredentialsHelp, registryFlags, SecretGuard } from "./oci-command-options.ts";

const DEFAULT_LAYOUT_DIR = join("build", "oci");

const flags = defineFlags({
  format: {
    type: "string",
    value: "<name>",
    default: "wasme",
    parse: (raw: string): FormatName => {
      if (!isFormatName(raw)) throw new UsageError(`unknown format ${quoted(raw)} (use ${FORMAT_NAMES.join(", ")})`);
      return raw;
    },
    help: `${FORMAT_NAMES.join(" | ")} (default wasme)`,
  },
  rootId: {
    type: "string",
    value: "<id>",
    parse: (raw: string) => {
      if (raw.trim() === "") throw new UsageError("--root-id is empty");
      return raw;
    },
    help: 'root id recorded in the runtime config (default: module name, "-" → "_")',
  },
  annotation: {
    type: "string",
    value: "<key=value>",
    multiple: true,
    parse: (pair: string): [string, string] => {
      const eq = pair.indexOf("=");
      if (eq <= 0) throw new UsageError(`--annotation ${quoted(pair)} is not key=value`);
      return [pair.slice(0, eq), pair.slice(eq + 1)];
    },
    help: "manifest annotation (repeatable)",
  },
  force: { type: "boolean", help: "push a module that exports no proxy_abi_version_* (with a warning)" },
  json: { type: "boolean", help: 'print only {"reference","digest","mediaType","format","layers"} on stdout' },
  ...registryFlags,
});

const help = renderHelp({
  usage: "proxy-wasm push <wasm-file | example-name> [reference] [options]",
  description: `Pushes a Proxy-Wasm module as an OCI artifact and prints its manifest digest: the value Istio's
WasmPlugin wants in spec.sha256 for oci:// URLs (without the "sha256:" prefix). Every blob is checked
with a HEAD after its upload and the tag is written last, so it never points at missing blobs.`,
  arguments: [
    {
      name: "<wasm-file | example-name>",
      help: ["a .wasm file, or a name meaning build/<name>.wasm, else the package's own", "example of that name"],
    },
    {
      name: "[reference]",
      help: [
        "host[:port]/repository[:tag|@digest] (tag default: latest).",
        `Without one, the artifact goes to the OCI image layout ${DEFAULT_LAYOUT_DIR}`,
        `tagged with the module name (skopeo copy oci:${DEFAULT_LAYOUT_DIR}:<name> ...).`,
      ],
    },
  ],
  flags,
  after: `${registryCredentialsHelp}

Formats:
${FORMAT_NAMES.map((name) => `  ${name.padEnd(8)} ${FORMATS[name].summary}`).join("\n")}

Which format each target loads (after the push, the deploy hints name only the targets that load it):
${DEPLOY_TARGETS.map((target) => `  ${target.padEnd(8)} ${TARGETS[target].formats.join(", ").padEnd(26)} ${TARGETS[target].title}`).join("\n")}

Examples:
  npm run push -- add-header 127.0.0.1:5000/wasm/add-header:v1
  npm run push -- build/add-header.wasm registry.example.com/filters/add-header:v1 -u me --password-stdin < token.txt
  npm run push -- add-header --format compat --oci-layout build/oci v1`,
});

/** What to deploy the pushed reference with, for each target that loads its format; why not for the others. */
function deployHints(where: string, digest: string, manifest: ImageManifest, mediaType: string): string {
  const verdicts = targetVerdicts(manifest, mediaType);
  const lines: string[] = [];
  for (const target of DEPLOY_TARGETS) {
    const verdict = verdicts[target];
    if (!verdict.ok) {
      lines.push(`not for ${TARGETS[target].title}: ${verdict.reason}; push with --format ${TARGETS[target].formats.join(" or ")}`);
    } else if (target === "istio") {
      lines.push(`Istio WasmPlugin: url oci://${where}  sha256 ${digestHex(digest)}`);
    } else if (target === "envoy") {
      lines.push(`Envoy: proxy-wasm pull ${where} -o filter.wasm, then proxy-wasm manifests envoy --wasm filter.wasm`);
    } else {
      lines.push(`${target}: proxy-wasm manifests ${target} --image ${where} -l app=<workload>`);
    }
  }
  return `${lines.join("\n")}\n`;
}

export const pushCommand: Command = {
  name: "push",
  summary: "push a filter to an OCI registry as a Wasm artifact; prints the manifest digest",
  help,
  flags,
  async run(args) {
    const guard = new SecretGuard();
    return guard.run(async () => {
      const { options: values, positionals } = parseCommandLine(flags, args, "push");
      // Everything is checked before the first byte goes out.
      if (positionals.length < 1) throw new UsageError("push needs a .wasm file or an example name (see --help)");
      if (positionals.length > 2) throw new UsageError(`unexpected argument ${quoted(positionals[2]!)}`);
      const format = values.format;
      const annotations: Record<string, string> = Object.fromEntries(values.annotation ?? []);
      const reference = positionals[1];
      const layoutDir = values.ociLayout ?? (reference === undefined ? DEFAULT_LAYOUT_DIR : undefined);
      const options = await clientOptionsFrom({ ...values, ociLayout: layoutDir }, guard);
      const module = await loadModuleFile(positionals[0]!, { force: values.force ?? false });
      const { store, target, location, reference: parsed } = resolve(reference ?? module.name, options, "push");
      const artifact = await buildArtifact(format, {
        wasm: module.content,
        fileName: basename(module.path),
        rootId: values.rootId ?? module.defaultRootId,
        abiVersions: module.info.abiVersions,
        annotations,
      });
      if (module.warning) process.stderr.write(`warning: ${module.warning}\n`);

      const progress = values.json ? undefined : terminalProgress(process.stderr, "pushing");
      const result = await pushArtifact(store, target, artifact, progress ? { progress } : {});
      if (values.json) {
        const { digest, mediaType, format: f, layers } = result;
        process.stdout.write(`${JSON.stringify({ reference: location, digest, mediaType, format: f, layers })}\n`);
        return EXIT_OK;
      }
      const blobs = `${result.uploaded.length} blob${result.uploaded.length === 1 ? "" : "s"} uploaded, ${result.skipped.length} already present`;
      process.stderr.write(`pushed ${location} (format ${format}; ${blobs})
`);
      if (parsed) process.stderr.write(deployHints(location, result.digest, artifact.manifest, artifact.manifestDescriptor.mediaType));
      else process.stderr.write(`copy it to a registry with: skopeo copy oci:${layoutDir}:${target} docker://<registry>/<repo>:<tag>\n`);
      process.stdout.write(`${result.digest}\n`);
      return EXIT_OK;
    });
  },
};
