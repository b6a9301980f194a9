/** `proxy-wasm push`: a module to an OCI registry (or an OCI image layout) as a Wasm artifact. */
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import { EXIT_OK, UsageError } from "../cli-errors.ts";
import { buildArtifact, digestHex, FORMAT_NAMES, FORMATS, isFormatName, pushArtifact, resolve, terminalProgress } from "../oci/index.ts";
import type { Command } from "./command.ts";
import { loadModuleFile } from "./module-file.ts";
import { clientOptionsFrom, registryOptionSpecs, registryOptionsHelp, SecretGuard } from "./oci-command-options.ts";

const DEFAULT_LAYOUT_DIR = join("build", "oci");

const help = `Usage: proxy-wasm push <wasm-file | example-name> [reference] [options]

Pushes a Proxy-Wasm module as an OCI artifact and prints its manifest digest: the value Istio's
WasmPlugin wants in spec.sha256 for oci:// URLs (without the "sha256:" prefix). Every blob is checked
with a HEAD after its upload and the tag is written last, so it never points at missing blobs.

Arguments:
  <wasm-file | example-name>   a .wasm file, or an example name meaning build/<name>.wasm
  [reference]                  host[:port]/repository[:tag|@digest] (tag default: latest).
                               Without one, the artifact goes to the OCI image layout ${DEFAULT_LAYOUT_DIR}
                               tagged with the module name (skopeo copy oci:${DEFAULT_LAYOUT_DIR}:<name> ...).

Options:
  --format <name>              ${FORMAT_NAMES.join(" | ")} (default wasme)
  --root-id <id>               root id recorded in the runtime config (default: module name, "-" → "_")
  --annotation <key=value>     manifest annotation (repeatable)
  --force                      push a module that exports no proxy_abi_version_* (with a warning)
  --json                       print only {"reference","digest","mediaType","format","layers"} on stdout
${registryOptionsHelp}

Formats:
${FORMAT_NAMES.map((name) => `  ${name.padEnd(8)} ${FORMATS[name].summary}`).join("\n")}

Examples:
  npm run push -- add-header 127.0.0.1:5000/wasm/add-header:v1
  npm run push -- build/add-header.wasm registry.example.com/filters/add-header:v1 -u me --password-stdin < token.txt
  npm run push -- add-header --format compat --oci-layout build/oci v1`;

export const pushCommand: Command = {
  name: "push",
  summary: "push a filter to an OCI registry as a Wasm artifact; prints the manifest digest",
  help,
  async run(args) {
    const guard = new SecretGuard();
    return guard.run(async () => {
      const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        allowNegative: true,
        options: {
          ...registryOptionSpecs,
          format: { type: "string", default: "wasme" },
          "root-id": { type: "string" },
          annotation: { type: "string", multiple: true },
          force: { type: "boolean" },
        },
      });
      // Everything is checked before the first byte goes out.
      if (positionals.length < 1) throw new UsageError("push needs a .wasm file or an example name (see --help)");
      if (positionals.length > 2) throw new UsageError(`unexpected argument "${positionals[2]}"`);
      const format = values.format;
      if (!isFormatName(format)) throw new UsageError(`unknown format "${format}" (use ${FORMAT_NAMES.join(", ")})`);
      const annotations: Record<string, string> = {};
      for (const pair of values.annotation ?? []) {
        const eq = pair.indexOf("=");
        if (eq <= 0) throw new UsageError(`--annotation "${pair}" is not key=value`);
        annotations[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
      const rootId = values["root-id"];
      if (rootId !== undefined && rootId.trim() === "") throw new UsageError("--root-id is empty");
      const reference = positionals[1];
      const layoutDir = values["oci-layout"] ?? (reference === undefined ? DEFAULT_LAYOUT_DIR : undefined);
      const options = await clientOptionsFrom({ ...values, "oci-layout": layoutDir }, guard);
      const module = await loadModuleFile(positionals[0]!, { force: values.force ?? false });
      const { store, target, location, reference: parsed } = resolve(reference ?? module.name, options, "push");
      const artifact = await buildArtifact(format, {
        wasm: module.content,
        fileName: basename(module.path),
        rootId: rootId ?? module.defaultRootId,
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
      process.stderr.write(`pushed ${location} (format ${format}; ${blobs})\n`);
      if (parsed) process.stderr.write(`Istio WasmPlugin: url oci://${location}  sha256 ${digestHex(result.digest)}\n`);
      else process.stderr.write(`copy it to a registry with: skopeo copy oci:${layoutDir}:${target} docker://<registry>/<repo>:<tag>\n`);
      process.stdout.write(`${result.digest}\n`);
      return EXIT_OK;
    });
  },
};
