/**
 * Serialising a ManifestSet with the `yaml` library (never by string concatenation):
 * - `toYaml`: one multi-document stream for `kubectl apply -f -`; notes and the patch command are YAML comments.
 * - `toJson`: `{ documents, patches, notes }`.
 * - `outputFiles`: one file per document, patch scripts in `patches/` so `kubectl apply -f DIR` applies only resources.
 */
import { createHash } from "node:crypto";
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
  /** A script (mode 0755). */
  executable?: boolean;
}

/** `<kind>-<name>.yaml` per document (`envoy.yaml` for the bootstrap), `patches/<kind>-<target>.sh` per patch. */
export function outputFiles(set: ManifestSet): OutputFile[] {
  const files: OutputFile[] = [];
  const used = new Set<string>();
  const unique = (path: string): string => {
    let candidate = path;
    for (let i = 2; used.has(candidate); i++) candidate = path.replace(/(\.[a-z]+)$/, `-${i}$1`);
    used.add(candidate);
    return candidate;
  };
  for (const document of set.documents) {
    files.push({ path: unique(documentFileName(document)), content: yamlDocument(document).toString(YAML_OPTIONS) });
  }
  for (const patch of set.patches) {
    files.push({ path: unique(`patches/${patchFileName(patch)}`), content: patch.script, executable: true });
  }
  return files;
}

/** File systems allow 255 bytes per name; a longer one is cut and keeps a hash of the whole (names are ASCII). */
const MAX_FILE_NAME = 255;

function fileName(stem: string, extension: string): string {
  const whole = `${stem}${extension}`;
  if (whole.length <= MAX_FILE_NAME - 3) return whole; // room for a "-2" de-duplication suffix
  const hash = createHash("sha256").update(stem).digest("hex").slice(0, 12);
  return `${stem.slice(0, MAX_FILE_NAME - 3 - extension.length - hash.length - 1)}-${hash}${extension}`;
}

function documentFileName(document: ManifestDocument): string {
  const kind = typeof document.kind === "string" ? document.kind.toLowerCase() : undefined;
  const name = (document.metadata as { name?: unknown } | undefined)?.name;
  if (kind === undefined) return "envoy.yaml";
  return fileName(typeof name === "string" ? `${kind}-${name}` : kind, ".yaml");
}

function patchFileName(patch: WorkloadPatch): string {
  const { name, labels } = patch.target;
  const target = name ?? Object.values(labels).join("-");
  return fileName(`${patch.target.kind.toLowerCase()}-${target === "" ? "all" : target}`, ".sh");
}

