// The checks every built filter module must pass before Envoy would load it (docs/abi.md §1.3, §1.4, §7).
// Each returns the problems found, so a failing test lists all of them at once.
import { spawnSync } from "node:child_process";
import { CALLBACKS, FORBIDDEN_IMPORTS, HOST_FUNCTIONS, MODULE_FUNCTIONS } from "./abi-signatures.ts";
import { formatSignature, type ModuleSections } from "./wasm-sections.ts";

export type Target = "release" | "debug";

export function targetOf(file: string): Target {
  return file.endsWith(".debug.wasm") ? "debug" : "release";
}

/** wasm-validate (wabt) on the file: "" when valid, else its complaint. */
export function validate(path: string): string {
  const result = spawnSync("wasm-validate", [path], { encoding: "utf8" });
  if (result.error) throw new Error(`cannot run wasm-validate (Debian package wabt): ${result.error.message}`);
  return result.status === 0 ? "" : `wasm-validate: ${(result.stderr || result.stdout).trim()}`;
}

export function importProblems(sections: ModuleSections): string[] {
  const problems: string[] = [];
  for (const entry of sections.imports) {
    const what = `import ${entry.module}.${entry.name}`;
    if (entry.module === "env" && FORBIDDEN_IMPORTS.includes(entry.name)) {
      problems.push(`${what}: AssemblyScript's default, which Envoy does not provide`);
      continue;
    }
    if (entry.kind !== "function") {
      problems.push(`${what}: a ${entry.kind} import (Envoy links only functions)`);
      continue;
    }
    const expected = entry.module === "env" ? HOST_FUNCTIONS[entry.name] : undefined;
    if (expected === undefined) {
      problems.push(`${what}: not an ABI 0.2.1 env.proxy_* host function`);
    } else if (formatSignature(entry.signature) !== expected) {
      problems.push(`${what}: type ${formatSignature(entry.signature)}, Envoy registers ${expected}`);
    }
  }
  return problems;
}

export function exportProblems(sections: ModuleSections): string[] {
  const problems: string[] = [];
  const byName = new Map(sections.exports.map((entry) => [entry.name, entry]));
  for (const entry of sections.exports) {
    const what = `export ${entry.name}`;
    if (entry.kind !== "function") {
      if (!(entry.name === "memory" && entry.kind === "memory")) problems.push(`${what}: unexpected ${entry.kind} export`);
      continue;
    }
    const expected = CALLBACKS[entry.name] ?? MODULE_FUNCTIONS[entry.name];
    const actual = formatSignature(sections.functions[entry.index]);
    if (expected === undefined) {
      const hint = entry.name.startsWith("proxy_abi_version_") ? " (only proxy_abi_version_0_2_1)" : "";
      problems.push(`${what}: not a callback Envoy knows${hint}`);
    } else if (actual !== expected) {
      problems.push(`${what}: type ${actual}, Envoy wants ${expected}`);
    }
  }
  for (const name of ["proxy_abi_version_0_2_1", "malloc", "proxy_on_memory_allocate", "_initialize"]) {
    if (byName.get(name)?.kind !== "function") problems.push(`missing function export ${name}`);
  }
  if (byName.get("memory")?.kind !== "memory") problems.push("missing memory export");
  const malloc = byName.get("malloc");
  const allocate = byName.get("proxy_on_memory_allocate");
  if (malloc && allocate && malloc.index !== allocate.index) {
    problems.push(`malloc (function ${malloc.index}) and proxy_on_memory_allocate (function ${allocate.index}) differ`);
  }
  return problems;
}

export function layoutProblems(sections: ModuleSections, target: Target): string[] {
  const problems: string[] = [];
  if (sections.hasStart) problems.push("has a start section (top-level code must run from _initialize)");
  const hasNames = sections.customSections.includes("name");
  if (target === "debug" && !hasNames) problems.push("debug build without a name section");
  if (target === "release" && hasNames) problems.push("release build with a name section");
  return problems;
}

/** Every problem of the module at `path` (a release or debug build, by its file name). */
export function moduleProblems(path: string, sections: ModuleSections): string[] {
  const invalid = validate(path);
  return [
    ...(invalid ? [invalid] : []),
    ...importProblems(sections),
    ...exportProblems(sections),
    ...layoutProblems(sections, targetOf(path)),
  ];
}
