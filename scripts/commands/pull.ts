/** `proxy-wasm pull`: the module of a Wasm artifact (any of the four formats), every digest verified. */
import { EXIT_OK, UsageError } from "../cli-errors.ts";
import { OutputFile, pullModule, resolve, scrubJson, terminalProgress } from "../oci/index.ts";
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
layer and image indexes. Prints the manifest digest on stdout. The file is written atomically: nothing
appears at -o unless every digest matched, and an -o that cannot be written is refused before the download.`,
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
      const options = await clientOptionsFrom(values, guard);
      const { store, target, location, reference } = resolve(positionals[0]!, options);
      const output = values.output ?? `${reference ? reference.repository.split("/").pop() : target.replace(/^sha256:/, "")}.wasm`;
      // Refused here, before any download, if it cannot be written.
      const sink = output === "-" ? await OutputFile.spooled(process.stdout) : await OutputFile.create(output);

      // Interrupted: drop the temporary file, leave the destination as it was.
      const interrupted = (signal: NodeJS.Signals) => void sink.abort().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
      process.once("SIGINT", interrupted);
      process.once("SIGTERM", interrupted);
      const progress = values.json ? undefined : terminalProgress(process.stderr, "pulling");
      const result = await pullModule(store, target, sink, progress ? { progress } : {}).finally(() => {
        process.off("SIGINT", interrupted);
        process.off("SIGTERM", interrupted);
      });
      if (values.json) {
        const { digest, mediaType, format } = result;
        const layer = { mediaType: result.wasmLayer.mediaType, digest: result.wasmLayer.digest, size: result.wasmLayer.size };
        const line = JSON.stringify(scrubJson({ reference: location, digest, mediaType, format, layer, output, wasm: result.module }, guard.secrets));
        if (output === "-") process.stderr.write(`${line}\n`);
        else process.stdout.write(`${line}\n`);
        return EXIT_OK;
      }
      const { size, digest } = result.module;
      process.stderr.write(`pulled ${location} (format ${result.format}, ${size} bytes, ${digest}) -> ${output === "-" ? "stdout" : output}\n`);
      if (output !== "-") process.stdout.write(`${result.digest}\n`);
      return EXIT_OK;
    });
  },
};
