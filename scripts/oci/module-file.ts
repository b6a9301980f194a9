/**
 * The module a push sends: `<file.wasm>` or an example name (→ `build/<name>.wasm`), checked before any
 * network traffic: wasm magic and version, well-formed sections, a `proxy_abi_version_*` export.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { packageExampleModule } from "../build/package-examples.ts";
import { UsageError } from "./errors.ts";
import { hasProxyAbiExport, readWasmModule, type WasmModuleInfo } from "./wasm-module.ts";

export interface ModuleFile {
  path: string;
  /** Base name without `.wasm` (the example name for `build/<name>.wasm`). */
  name: string;
  bytes: Uint8Array;
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

export function loadModuleFile(spec: string, options: { cwd?: string; force?: boolean } = {}): ModuleFile {
  const path = resolveModulePath(spec, options.cwd);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${path}: ${code === "ENOENT" ? "no such file" : (code ?? "read error")}`);
  }
  let info: WasmModuleInfo;
  try {
    info = readWasmModule(bytes);
  } catch (error) {
    throw new UsageError(`${path}: ${(error as Error).message}`);
  }
  const name = basename(path).replace(/\.wasm$/, "");
  const file: ModuleFile = { path, name, bytes, info, defaultRootId: rootIdFor(name) };
  if (!hasProxyAbiExport(info)) {
    const message = `${path} exports no proxy_abi_version_* function: Envoy will not load it as a Proxy-Wasm filter`;
    if (!options.force) throw new UsageError(`${message} (use --force to push it anyway)`);
    file.warning = message;
  }
  return file;
}
