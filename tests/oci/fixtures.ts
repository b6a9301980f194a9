/**
 * Shared test helpers: the module to push (build/add-header.wasm once the SDK builds it, else an
 * equivalent minimal Proxy-Wasm module compiled from WAT with the npm `wabt` package), the CLI bundled
 * once by esbuild and run as a child process, skopeo, and temporary directories.
 */
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import wabtInit from "wabt";
import { customSectionHead } from "../../testkit/custom-section.ts";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const BUILT_ADD_HEADER = join(ROOT, "build", "add-header.wasm");

const temporaryDirs: string[] = [];

export function tempDir(prefix = "oci-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporaryDirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of temporaryDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** WAT → wasm with the npm wabt package. */
export async function compileWat(source: string): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const module = wabt.parseWat("fixture.wat", source);
  try {
    return new Uint8Array(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}

/** The 80-byte stand-in of docs/oci.md §4.1 (memory, proxy_abi_version_0_2_1, _start). */
export const MINIMAL_PROXY_WAT =
  '(module (memory (export "memory") 1) (func (export "proxy_abi_version_0_2_1")) (func (export "_start")))';

export interface ModuleFixture {
  path: string;
  bytes: Uint8Array;
  /** True when it is the SDK's real build output. */
  fromBuild: boolean;
}

let addHeader: ModuleFixture | undefined;

/** `build/add-header.wasm` if built, else a minimal Proxy-Wasm module saved as `add-header.wasm`. */
export async function addHeaderModule(): Promise<ModuleFixture> {
  if (addHeader) return addHeader;
  if (existsSync(BUILT_ADD_HEADER)) {
    addHeader = { path: BUILT_ADD_HEADER, bytes: new Uint8Array(readFileSync(BUILT_ADD_HEADER)), fromBuild: true };
  } else {
    const dir = tempDir("oci-fixture-");
    const path = join(dir, "add-header.wasm");
    const bytes = await compileWat(MINIMAL_PROXY_WAT);
    writeFileSync(path, bytes);
    addHeader = { path, bytes, fromBuild: false };
  }
  return addHeader;
}

/** A valid Proxy-Wasm module padded by a custom section to about `size` bytes. */
export async function paddedModule(size: number): Promise<Uint8Array> {
  const base = await compileWat(MINIMAL_PROXY_WAT);
  const payloadLength = Math.max(0, size - base.byteLength - 16);
  const head = customSectionHead("padding", payloadLength);
  const out = new Uint8Array(base.byteLength + head.byteLength + payloadLength);
  out.set(base, 0);
  out.set(head, base.byteLength);
  for (let i = base.byteLength + head.byteLength; i < out.byteLength; i++) out[i] = (i * 31) & 0xff;
  return out;
}

let bundlePath: Promise<string> | undefined;

/**
 * The CLI bundled exactly as `npm run build:cli` does (scripts/bundle-cli.mjs with an output path),
 * into a private file under the repo's .tmp/ (so externals resolve from node_modules), not dist/.
 */
export function cliBundle(): Promise<string> {
  bundlePath ??= (async () => {
    const dir = join(ROOT, ".tmp", `oci-tests-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    temporaryDirs.push(dir);
    const outfile = join(dir, "cli.mjs");
    const result = await run(process.execPath, [join(ROOT, "scripts", "bundle-cli.mjs"), outfile]);
    if (result.code !== 0) throw new Error(`bundling the CLI failed: ${result.stderr}`);
    return outfile;
  })();
  return bundlePath;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  input?: string | Uint8Array;
  cwd?: string;
  timeoutMs?: number;
}

/** Runs a program to completion, collecting its output (killed after `timeoutMs`, default 60 s). */
export function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries({ ...process.env, ...options.env })) if (value !== undefined) env[key] = value;
    const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      resolve({ code, stdout: stdoutBytes.toString("utf8"), stderr: Buffer.concat(err).toString("utf8"), stdoutBytes });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(options.input ?? "");
  });
}

/**
 * Runs the bundled CLI. DOCKER_CONFIG points at an empty directory unless the caller sets it, so the
 * machine's own ~/.docker/config.json never leaks into a test.
 */
export async function runCli(args: string[], options: RunOptions = {}): Promise<RunResult> {
  const emptyDockerConfig = tempDir("oci-dockercfg-empty-");
  return run(process.execPath, [await cliBundle(), ...args], {
    ...options,
    env: { DOCKER_CONFIG: emptyDockerConfig, PROXY_WASM_DEBUG: undefined, ...options.env },
  });
}

/** Runs skopeo (plain HTTP to loopback registries is the caller's `--tls-verify=false`). */
export function skopeo(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return run("skopeo", args, { timeoutMs: 30_000, ...options });
}

/** skopeo's credential flag for a registry of the harness, if it has auth. */
export function skopeoCreds(registry: { mode: string; username: string; password: string }, flag = "--creds"): string[] {
  return registry.mode === "none" ? [] : [`${flag}=${registry.username}:${registry.password}`];
}

/** A fake `docker-credential-<name>` that logs its calls and knows one server. */
export function fakeHelper(binDir: string, name: string, known: { server: string; username: string; secret: string }): string {
  const log = join(binDir, `${name}.log`);
  mkdirSync(binDir, { recursive: true });
  const script = `#!/bin/sh
read -r server || true
echo "$1 $server" >> "${log}"
if [ "$server" = "${known.server}" ]; then
  printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}' "$server" "${known.username}" "${known.secret}"
else
  echo "credentials not found in native keychain"
  exit 1
fi
`;
  const path = join(binDir, `docker-credential-${name}`);
  writeFileSync(path, script);
  chmodSync(path, 0o755);
  return log;
}
