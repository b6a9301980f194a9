/** `proxy-wasm pull`: the module of a Wasm artifact (any of the four formats), every digest verified. */
import { writeFileSync } from "node:fs";
import { EXIT_OK, UsageError } from "../cli-errors.ts";
import { formatReference, layoutTarget, manifestTarget, openStore, parseReference, pullWasm, sha256Digest, terminalProgress, OciLayoutStore } from "../oci/index.ts";
import type { Command } from "./command.ts";
import { defineFlags, parseCommandLine, renderHelp } from "./flags.ts";
import { clientOptionsFrom, registryCredentialsHelp, registryFlags, SecretGuard } from "./oci-command-options.ts";

const flags = defineFlags({
  output: {
    type: "string",
    short: "o",
    value: "<file>",
    parse: (raw: string) => {
      if (raw === "") throw new UsageError("--output is empty");
      return raw;
    },
    help: 'where to write the module ("-" for stdout; default <repository name>.wasm)',
  },
  json: { type: "boolean", help: 'print {"reference","digest","mediaType","format","layer","output","wasm"} only' },
  ...registryFlags,
});

const help = renderHelp({
  usage: "proxy-wasm pull <reference> [-o file] [options]",
  description: `Fetches a Wasm artifact, verifies the manifest and every blob against their digests, and writes the
module. Reads the wasme two-layer variant, the compat image (tar+gzip layer with plugin.wasm), the CNCF
layout (application/wasm), the single-layer ORAS shape, the legacy application/vnd.wasm.content.layer.v1+wasm
layer and image indexes. Prints the manifest digest on stdout.`,
  arguments: [{ name: "<reference>", help: "host[:port]/repository[:tag|@digest]; with --oci-layout, a tag or digest" }],
  flags,
  after: `${registryCredentialsHelp}

Examples:
  npm run pull -- 127.0.0.1:5000/wasm/add-header:v1 -o add-header.wasm
  npm run pull -- --oci-layout build/oci add-header -o /tmp/add-header.wasm`,
});

export const pullCommand: Command = {
  name: "pull",
  summary: "pull a Wasm artifact from a registry or OCI layout, verify it, write the .wasm",
  help,
  flags,
  async run(args) {
    const guard = new SecretGuard();
    return guard.run(async () => {
      const { options: values, positionals } = parseCommandLine(flags, args, "pull");
      if (positionals.length !== 1) throw new UsageError("pull needs exactly one reference (see --help)");
      const reference = positionals[0]!;
      const layoutDir = values.ociLayout;
      const parsed = layoutDir === undefined ? parseReference(reference) : undefined;
      const target = parsed ? manifestTarget(parsed) : layoutTarget(reference);
      const output = values.output ?? `${parsed ? parsed.repository.split("/").pop() : target.replace(/^sha256:/, "")}.wasm`;
      const options = await clientOptionsFrom(values, guard);
      const store = parsed ? openStore(parsed, options) : new OciLayoutStore(layoutDir!);
      const where = parsed ? formatReference(parsed) : `oci-layout:${layoutDir}:${target}`;

      const progress = values.json ? undefined : terminalProgress(process.stderr, "pulling");
      const result = await pullWasm(store, target, progress ? { progress } : {});
      if (output === "-") process.stdout.write(result.wasm);
      else writeFileSync(output, result.wasm);
      const wasm = { digest: sha256Digest(result.wasm), size: result.wasm.byteLength };
      if (values.json) {
        const { digest, mediaType, format } = result;
        const layer = { mediaType: result.layer.mediaType, digest: result.layer.digest, size: result.layer.size };
        const line = JSON.stringify({ reference: where, digest, mediaType, format, layer, output, wasm });
        if (output === "-") process.stderr.write(`${line}\n`);
        else process.stdout.write(`${line}\n`);
        return EXIT_OK;
      }
      process.stderr.write(`pulled ${where} (format ${result.format}, ${wasm.size} bytes, ${wasm.digest}) -> ${output === "-" ? "stdout" : output}\n`);
      if (output !== "-") process.stdout.write(`${result.digest}\n`);
      return EXIT_OK;
    });
  },
};
