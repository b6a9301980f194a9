/**
 * The module a push sends: `<file.wasm>` or an example name (→ `build/<name>.wasm`), checked before any
 * network traffic (wasm magic and version, well-formed sections, a `proxy_abi_version_*` export) by
 * reading the file in place, and handed on as streamed content, so a module of any size is pushed in
 * bounded memory.
 */
import { existsSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { packageExampleModule } from "../build/package-examples.ts";
import { UsageError } from "../cli-errors.ts";
import { fileContent, hasProxyAbiExport, readWasmModuleFile, type Content, type WasmModuleInfo } from "../oci/index.ts";

export interface ModuleFile {
  path: string;
  /** Base name without `.wasm` (the example name for `build/<name>.wasm`). */
  name: string;
  content: Content;
  info: WasmModuleInfo;
  /** Default root id: the name with hyphens as underscores (`add-header` → `add_header`). */
  defaultRootId: string;
  /** Set when the module has no `proxy_abi_version_*` export (allowed only with `force`). */
  warning?: string;
}

/** `add-header` → `add_header`. */
export function rootIdFor(name: string): string {
  return name.replace(/-/g, "_");
}

export function resolveModulePath(spec: string, cwd: string = process.cwd()): string {
  const direct = resolve(cwd, spec);
  const looksLikePath = spec.endsWith(".wasm") || spec.includes("/") || spec.includes("\\");
  if (looksLikePath || (existsSync(direct) && statSync(direct).isFile())) return direct;
  const built = join(cwd, "build", `${spec}.wasm`);
  if (existsSync(built)) return built;
  const example = join(cwd, "examples", spec);
  if (existsSync(example)) {
    throw new UsageError(`example "${spec}" is not built: build/${spec}.wasm is missing (run \`npm run asbuild\`)`);
  }
  const shipped = packageExampleModule(spec, cwd);
  if (shipped !== null) return shipped;
  throw new UsageError(`"${spec}" is neither a .wasm file nor a built example (build/${spec}.wasm)`);
}

export async function loadModuleFile(spec: string, options: { cwd?: string; force?: boolean } = {}): Promise<ModuleFile> {
  const path = resolveModulePath(spec, options.cwd);
  let info: WasmModuleInfo;
  try {
    if (statSync(path).isDirectory()) throw new UsageError(`${path} is a directory, not a .wasm file`);
    info = readWasmModuleFile(path);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined) throw new UsageError(`cannot read ${path}: ${code === "ENOENT" ? "no such file" : code}`);
    throw new UsageError(`${path}: ${(error as Error).message}`);
  }
  const name = basename(path).replace(/\.wasm$/, "");
  const file: ModuleFile = { path, name, content: await fileContent(path, info.size), info, defaultRootId: rootIdFor(name) };
  if (!hasProxyAbiExport(info)) {
    const message = `${path} exports no proxy_abi_version_* function: Envoy will not load it as a Proxy-Wasm filter`;
    if (!options.force) throw new UsageError(`${message} (use --force to push it anyway)`);
    file.warning = message;
  }
  return file;
}
