/**
 * The module a push sends: `<file.wasm>` or a filter name (scripts/build/filter-names.ts), checked before any
 * network traffic (wasm magic and version, well-formed sections, a `proxy_abi_version_*` export) by
 * reading the file in place, and handed on as streamed content, so a module of any size is pushed in
 * bounded memory.
 */
import { resolveModule, rootIdFor } from "../build/filter-names.ts";
import { UsageError } from "../cli-errors.ts";
import { fileContent, hasProxyAbiExport, readWasmModuleFile, type Content, type WasmModuleInfo } from "../oci/index.ts";

export interface ModuleFile {
  path: string;
  /** The filter name: the name given, or the file's name without `.wasm` / `.debug.wasm`. */
  name: string;
  content: Content;
  info: WasmModuleInfo;
  /** Default root id: the name with hyphens as underscores (`add-header` → `add_header`). */
  defaultRootId: string;
  /** Set when the module has no `proxy_abi_version_*` export (allowed only with `force`). */
  warning?: string;
}

export async function loadModuleFile(spec: string, options: { cwd?: string; force?: boolean } = {}): Promise<ModuleFile> {
  const { path, name } = resolveModule(spec, options.cwd ?? process.cwd());
  let info: WasmModuleInfo;
  try {
    info = readWasmModuleFile(path);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined) throw new UsageError(`cannot read ${path}: ${code === "ENOENT" ? "no such file" : code}`);
    throw new UsageError(`${path}: ${(error as Error).message}`);
  }
  const file: ModuleFile = { path, name, content: await fileContent(path, info.size), info, defaultRootId: rootIdFor(name) };
  if (!hasProxyAbiExport(info)) {
    const message = `${path} exports no proxy_abi_version_* function: Envoy will not load it as a Proxy-Wasm filter`;
    if (!options.force) throw new UsageError(`${message} (use --force to push it anyway)`);
    file.warning = message;
  }
  return file;
}
