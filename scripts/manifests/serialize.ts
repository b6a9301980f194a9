/**
 * Serialising a ManifestSet with the `yaml` library (never by string concatenation):
 * - `toYaml`: one multi-document stream for `kubectl apply -f -`; notes and the patch command are YAML comments.
 * - `toJson`: `{ documents, patches, notes }`.
 * - `outputFiles`: one file per document, patches in `patches/` so `kubectl apply -f DIR` applies only resources.
 */
import { Document } from "./yaml.ts";
import type { ManifestDocument, ManifestSet, WorkloadPatch } from "./types.ts";

const YAML_OPTIONS = { lineWidth: 0, minContentWidth: 0, indentSeq: false } as const;

function commentText(lines: string[]): string {
  return lines.map((line) => ` ${line}`).join("\n");
}

function yamlDocument(value: unknown, comment?: string[]): Document {
  const doc = new Document(value);
  if (comment && comment.length > 0) doc.commentBefore = commentText(comment);
  return doc;
}

/** All documents as one YAML stream; notes go in a comment before the first document. */
export function toYaml(set: ManifestSet): string {
  return set.documents
    .map((document, index) => yamlDocument(document, index === 0 ? set.notes : undefined).toString(YAML_OPTIONS))
    .join("---\n");
}

export function toJson(set: ManifestSet): string {
  return `${JSON.stringify({ documents: set.documents, patches: set.patches, notes: set.notes }, null, 2)}\n`;
}

export interface OutputFile {
  /** Path relative to the output directory. */
  path: string;
  content: string;
}

/** `<kind>-<name>.yaml` per document (`envoy.yaml` for the bootstrap), `patches/<kind>-<target>.yaml` per patch. */
export function outputFiles(set: ManifestSet): OutputFile[] {
  const files: OutputFile[] = [];
  const used = new Set<string>();
  const unique = (path: string): string => {
    let candidate = path;
    for (let i = 2; used.has(candidate); i++) candidate = path.replace(/\.yaml$/, `-${i}.yaml`);
    used.add(candidate);
    return candidate;
  };
  for (const document of set.documents) {
    files.push({ path: unique(documentFileName(document)), content: yamlDocument(document).toString(YAML_OPTIONS) });
  }
  for (const patch of set.patches) {
    files.push({ path: unique(`patches/${patchFileName(patch)}`), content: patchYaml(patch) });
  }
  return files;
}

function documentFileName(document: ManifestDocument): string {
  const kind = typeof document.kind === "string" ? document.kind.toLowerCase() : undefined;
  const name = (document.metadata as { name?: unknown } | undefined)?.name;
  if (kind === undefined) return "envoy.yaml";
  return typeof name === "string" ? `${kind}-${name}.yaml` : `${kind}.yaml`;
}

function patchFileName(patch: WorkloadPatch): string {
  const { name, labels } = patch.target;
  const target = name ?? Object.values(labels).join("-");
  return `${patch.target.kind.toLowerCase()}-${target === "" ? "all" : target}.yaml`;
}

/** The strategic-merge patch as YAML, with how to apply it in a comment. */
function patchYaml(patch: WorkloadPatch): string {
  const { name, labels, namespace } = patch.target;
  const selector = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  const target =
    name !== undefined
      ? `Deployment ${namespace}/${name}`
      : `the Deployments in ${namespace}${selector ? ` labelled ${selector}` : ""}`;
  const file = `patches/${patchFileName(patch)}`;
  const apply =
    name !== undefined
      ? `kubectl patch deployment ${name} -n ${namespace} --type strategic --patch-file ${file}`
      : patch.command;
  return yamlDocument(patch.patch, [
    `Strategic-merge patch for ${target} (not for kubectl apply). Apply with:`,
    apply,
  ]).toString(YAML_OPTIONS);
}
