/** `proxy-wasm inspect`: manifest, config, digests and detected format of an artifact. */
import { EXIT_OK, UsageError } from "../cli-errors.ts";
import {
  Annotation,
  DEPLOY_TARGETS,
  TARGETS,
  digestHex,
  formatReference,
  inspectArtifact,
  layoutTarget,
  manifestTarget,
  openStore,
  parseReference,
  OciLayoutStore,
  type InspectResult,
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
the config and every layer. Digests are verified.`,
  arguments: [{ name: "<reference>", help: "host[:port]/repository[:tag|@digest]; with --oci-layout, a tag or digest" }],
  flags,
  after: `${registryCredentialsHelp}

Example:
  npm run inspect -- 127.0.0.1:5000/wasm/add-header:v1`,
});

function describe(where: string, r: InspectResult): string {
  const lines = [
    `reference:  ${where}`,
    `digest:     ${r.digest}`,
    `mediaType:  ${r.mediaType}`,
  ];
  if (r.index) lines.push(`manifest:   ${r.manifestDigest} (chosen from an index of ${r.index.manifests.length})`);
  lines.push(`format:     ${r.format}`);
  lines.push(`istio:      ${r.istio.ok ? "loads it" : "rejects it"} (${r.istio.reason})${r.istio.ok ? `; spec.sha256: ${digestHex(r.manifestDigest)}` : ""}`);
  lines.push("targets:");
  for (const target of DEPLOY_TARGETS) {
    const verdict = r.targets[target];
    const instead = verdict.ok ? "" : `; push the ${TARGETS[target].formats.join(" or ")} format for it`;
    lines.push(`  ${target.padEnd(6)} ${verdict.ok ? "loads it" : "rejects it"} (${verdict.reason})${instead}`);
  }
  lines.push(`config:     ${r.config.descriptor.mediaType} ${r.config.descriptor.digest} (${r.config.descriptor.size} bytes)`);
  if (r.config.json !== undefined) lines.push(`            ${JSON.stringify(r.config.json)}`);
  lines.push("layers:");
  r.manifest.layers.forEach((layer, i) => {
    const title = layer.annotations?.[Annotation.title];
    const marks = [title ? `title ${title}` : "", layer === r.wasmLayer ? "module" : ""].filter(Boolean);
    lines.push(`  [${i}] ${layer.mediaType} ${layer.digest} (${layer.size} bytes)${marks.length ? ` ${marks.join(", ")}` : ""}`);
  });
  const annotations = Object.entries(r.manifest.annotations ?? {});
  if (annotations.length > 0) {
    lines.push("annotations:");
    for (const [key, value] of annotations) lines.push(`  ${key}: ${value}`);
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
      const reference = positionals[0]!;
      const layoutDir = values.ociLayout;
      const parsed = layoutDir === undefined ? parseReference(reference) : undefined;
      const target = parsed ? manifestTarget(parsed) : layoutTarget(reference);
      const options = await clientOptionsFrom(values, guard);
      const store = parsed ? openStore(parsed, options) : new OciLayoutStore(layoutDir!);
      const where = parsed ? formatReference(parsed) : `oci-layout:${layoutDir}:${target}`;

      const result = await inspectArtifact(store, target);
      if (values.raw) {
        process.stdout.write(result.manifestBytes);
        return EXIT_OK;
      }
      if (values.json) {
        const config = {
          ...result.config.descriptor,
          ...(result.config.json !== undefined ? { content: result.config.json } : {}),
        };
        const layers = result.manifest.layers.map(({ mediaType, digest, size }) => ({ mediaType, digest, size }));
        const out = {
          reference: where,
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
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        return EXIT_OK;
      }
      process.stdout.write(`${describe(where, result)}\n`);
      return EXIT_OK;
    });
  },
};
