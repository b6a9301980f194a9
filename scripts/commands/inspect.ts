/** `proxy-wasm inspect`: manifest, config, digests and detected format of an artifact. */
import { EXIT_OK, UsageError } from "../cli-errors.ts";
import {
  Annotation,
  DEPLOY_TARGETS,
  digestHex,
  inspectArtifact,
  printable,
  resolve,
  scrubJson,
  TARGETS,
  type InspectResult,
  type SecretSet,
} from "../oci/index.ts";
import type { Command } from "./command.ts";
import { defineFlags, parseCommandLine, renderHelp } from "./flags.ts";
import { clientOptionsFrom, registryCredentialsHelp, registryFlags, SecretGuard } from "./oci-command-options.ts";

const flags = defineFlags({
  json: { type: "boolean", help: 'print {"reference","digest","mediaType","format","istio","targets","manifest","config","layers"}' },
  raw: { type: "boolean", help: "print the exact manifest bytes (like skopeo inspect --raw)" },
  ...registryFlags,
});

const help = renderHelp({
  usage: "proxy-wasm inspect <reference> [options]",
  description: `Shows what a reference names: the manifest digest (Istio's WasmPlugin spec.sha256), media type,
detected format, which deployment targets load it (Istio, ASM, the wasme operator, Envoy after a pull),
the config and every layer. Digests are verified. Text from the registry is shown with control
characters escaped.`,
  arguments: [{ name: "<reference>", help: "host[:port]/repository[:tag|@digest]; with --oci-layout, a tag or digest" }],
  flags,
  after: `${registryCredentialsHelp}

Example:
  npm run inspect -- 127.0.0.1:5000/wasm/add-header:v1`,
});

/** The text view; everything from the registry is escaped, one line per value, secrets scrubbed. */
function describe(where: string, r: InspectResult, secrets: SecretSet): string {
  const show = (text: string) => printable(text, secrets, 2000);
  const lines = [`reference:  ${where}`, `digest:     ${r.digest}`, `mediaType:  ${show(r.mediaType)}`];
  if (r.index) lines.push(`manifest:   ${r.manifestDigest} (chosen from an index of ${r.index.manifests.length})`);
  lines.push(`format:     ${r.format}`);
  lines.push(`istio:      ${r.istio.ok ? "loads it" : "rejects it"} (${show(r.istio.reason)})${r.istio.ok ? `; spec.sha256: ${digestHex(r.manifestDigest)}` : ""}`);
  lines.push("targets:");
  for (const target of DEPLOY_TARGETS) {
    const verdict = r.targets[target];
    const instead = verdict.ok ? "" : `; push the ${TARGETS[target].formats.join(" or ")} format for it`;
    lines.push(`  ${target.padEnd(6)} ${verdict.ok ? "loads it" : "rejects it"} (${show(verdict.reason)})${instead}`);
  }
  lines.push(`config:     ${show(r.config.descriptor.mediaType)} ${r.config.descriptor.digest} (${r.config.descriptor.size} bytes)`);
  if (r.config.json !== undefined) lines.push(`            ${show(JSON.stringify(r.config.json))}`);
  lines.push("layers:");
  r.manifest.layers.forEach((layer, i) => {
    const title = layer.annotations?.[Annotation.title];
    const marks = [typeof title === "string" ? `title ${show(title)}` : "", layer === r.wasmLayer ? "module" : ""].filter(Boolean);
    lines.push(`  [${i}] ${show(layer.mediaType)} ${layer.digest} (${layer.size} bytes)${marks.length ? ` ${marks.join(", ")}` : ""}`);
  });
  const annotations = Object.entries(r.manifest.annotations ?? {});
  if (annotations.length > 0) {
    lines.push("annotations:");
    for (const [key, value] of annotations) lines.push(`  ${show(key)}: ${show(String(value))}`);
  }
  return lines.join("\n");
}

export const inspectCommand: Command = {
  name: "inspect",
  summary: "show an artifact's manifest, config, digests, format and Istio compatibility",
  help,
  flags,
  async run(args) {
    const guard = new SecretGuard();
    return guard.run(async () => {
      const { options: values, positionals } = parseCommandLine(flags, args, "inspect");
      if (positionals.length !== 1) throw new UsageError("inspect needs exactly one reference (see --help)");
      if (values.raw && values.json) throw new UsageError("--raw and --json exclude each other");
      const options = await clientOptionsFrom(values, guard);
      const { store, target, location } = resolve(positionals[0]!, options);

      const result = await inspectArtifact(store, target);
      if (values.raw) {
        process.stdout.write(result.bytes);
        return EXIT_OK;
      }
      if (values.json) {
        const config = {
          ...result.config.descriptor,
          ...(result.config.json !== undefined ? { content: result.config.json } : {}),
        };
        const layers = result.manifest.layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size }));
        const out = {
          reference: location,
          digest: result.digest,
          mediaType: result.mediaType,
          format: result.format,
          istio: result.istio,
          targets: result.targets,
          manifest: result.manifest,
          config,
          layers,
          ...(result.wasmLayer ? { wasmLayer: result.wasmLayer.digest } : {}),
          ...(result.index ? { manifestDigest: result.manifestDigest } : {}),
        };
        process.stdout.write(`${JSON.stringify(scrubJson(out, guard.secrets), null, 2)}\n`);
        return EXIT_OK;
      }
      process.stdout.write(`${describe(location, result, guard.secrets)}\n`);
      return EXIT_OK;
    });
  },
};
