/**
 * Where credentials come from: explicit ones (`--username` + `--password-stdin`, for the reference's
 * registry only), then Docker's config.json (`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`):
 * `credHelpers[host]`, then `credsStore`, then `auths[host]` (`auth`, `username`/`password`,
 * `identitytoken`, `registrytoken`). Helpers run as `docker-credential-<name> get`. Nothing here ever
 * puts a secret into an error message.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { OciError } from "./errors.ts";
import { LIMITS, TIMEOUTS } from "./limits.ts";
import { printable } from "./secrets.ts";

export interface Credential {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token (docker `identitytoken`, helper `Username: "<token>"`): used with a POST. */
  identityToken?: string;
  /** A bearer token to send as is (docker `registrytoken`). */
  registryToken?: string;
}

/** Looks up the credential for a registry host (`host[:port]`); undefined means anonymous. */
export type CredentialProvider = (registry: string) => Promise<Credential | undefined>;

const DOCKER_HUB_KEY = "https://index.docker.io/v1/";
const DOCKER_HUB_HOSTS = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

/** The key Docker files credentials under: `https://index.docker.io/v1/` for Docker Hub, else host[:port]. */
export function credentialKey(registry: string): string {
  return DOCKER_HUB_HOSTS.has(registry) ? DOCKER_HUB_KEY : registry;
}

/** `https://host:port/v1/` → `host:port` (how Docker normalises `auths` keys). */
export function normaliseAuthKey(key: string): string {
  if (key === DOCKER_HUB_KEY) return key;
  const stripped = key.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "");
  const host = stripped.split("/")[0]!.toLowerCase();
  return DOCKER_HUB_HOSTS.has(host) ? DOCKER_HUB_KEY : host;
}

export function hasSecret(credential: Credential | undefined): boolean {
  return Boolean(credential && (credential.password || credential.identityToken || credential.registryToken));
}

/** Every secret string in a credential (for redaction). */
export function secretsOf(credential: Credential | undefined): string[] {
  if (!credential) return [];
  return [credential.password, credential.identityToken, credential.registryToken].filter(
    (s): s is string => typeof s === "string" && s.length > 0,
  );
}

/** A credential for exactly one registry (never offered to another host). */
export function staticCredentials(registry: string, credential: Credential): CredentialProvider {
  const key = credentialKey(registry);
  return async (host) => (credentialKey(host) === key ? credential : undefined);
}

/** The first provider that knows the host wins. */
export function chainCredentials(...providers: CredentialProvider[]): CredentialProvider {
  return async (host) => {
    for (const provider of providers) {
      const credential = await provider(host);
      if (credential) return credential;
    }
    return undefined;
  };
}

export interface DockerConfigOptions {
  /** Directory holding config.json (default `$DOCKER_CONFIG` or `~/.docker`). */
  configDir?: string;
  env?: NodeJS.ProcessEnv;
  helperTimeoutMs?: number;
}

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string; registrytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

export function dockerConfigPath(options: DockerConfigOptions = {}): string {
  const env = options.env ?? process.env;
  const dir = options.configDir ?? (env.DOCKER_CONFIG || join(homedir(), ".docker"));
  return join(dir, "config.json");
}

function readDockerConfig(path: string): DockerConfigFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new OciError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? "read error"}`, "credentials");
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error();
    return value as DockerConfigFile;
  } catch {
    // The parser's message may quote the file (and so a secret): say only where.
    throw new OciError(`cannot parse ${path}: not a JSON object`, "credentials");
  }
}

/** Credentials from Docker's config.json and its credential helpers; read lazily, once per host. */
export function dockerConfigCredentials(options: DockerConfigOptions = {}): CredentialProvider {
  const env = options.env ?? process.env;
  const path = dockerConfigPath(options);
  return async (registry) => {
    const config = readDockerConfig(path);
    if (!config) return undefined;
    const key = credentialKey(registry);
    const helperFor = Object.entries(config.credHelpers ?? {}).find(([k]) => normaliseAuthKey(k) === key)?.[1];
    if (helperFor) return runCredentialHelper(helperFor, key, { env, timeoutMs: options.helperTimeoutMs });
    if (config.credsStore) {
      const credential = await runCredentialHelper(config.credsStore, key, { env, timeoutMs: options.helperTimeoutMs });
      if (credential) return credential;
    }
    const entry = Object.entries(config.auths ?? {}).find(([k]) => normaliseAuthKey(k) === key)?.[1];
    if (!entry) return undefined;
    const credential: Credential = {};
    if (entry.auth) {
      let decoded: string;
      try {
        decoded = Buffer.from(entry.auth, "base64").toString("utf8");
      } catch {
        decoded = "";
      }
      const colon = decoded.indexOf(":");
      if (colon < 0) throw new OciError(`malformed "auth" for ${key} in ${path} (expected base64 of user:password)`, "credentials");
      credential.username = decoded.slice(0, colon);
      credential.password = decoded.slice(colon + 1);
    } else if (entry.username !== undefined || entry.password !== undefined) {
      if (entry.username !== undefined) credential.username = entry.username;
      if (entry.password !== undefined) credential.password = entry.password;
    }
    if (entry.identitytoken) credential.identityToken = entry.identitytoken;
    if (entry.registrytoken) credential.registryToken = entry.registrytoken;
    return hasSecret(credential) ? credential : undefined;
  };
}

interface HelperResult {
  code: number | null;
  stdout: string;
  stderr: string;
  error?: NodeJS.ErrnoException;
  /** Why we stopped it: it ran too long or printed too much. */
  stopped?: "timeout" | "output";
}

/**
 * Runs `program get` in its own process group with `input` on stdin. Settles when the helper exits
 * (pipes a leftover grandchild still holds are closed shortly after) or when the timer fires or the
 * output passes its cap; in those cases the whole group is killed, so a `sh` script whose `sleep`
 * outlives it cannot keep us waiting.
 */
function runHelperProcess(program: string, input: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<HelperResult> {
  return new Promise((resolve) => {
    const child = spawn(program, ["get"], { env, stdio: ["pipe", "pipe", "pipe"], detached: true });
    let stdout = "";
    let stderr = "";
    let settled = false;
    let exitCode: number | null = null;
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // the group is already gone
      }
    };
    const settle = (result: Omit<HelperResult, "stdout" | "stderr">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(grace);
      killGroup();
      child.stdout.destroy();
      child.stderr.destroy();
      child.stdin.destroy();
      resolve({ ...result, stdout, stderr });
    };
    const timer = setTimeout(() => settle({ code: null, stopped: "timeout" }), timeoutMs);
    let grace: NodeJS.Timeout | undefined;
    const collect = (chunk: Buffer, into: "stdout" | "stderr") => {
      if (into === "stdout") stdout += chunk.toString("utf8");
      else stderr += chunk.toString("utf8");
      if (stdout.length + stderr.length > LIMITS.helperOutputBytes) settle({ code: null, stopped: "output" });
    };
    child.stdout.on("data", (chunk: Buffer) => collect(chunk, "stdout"));
    child.stderr.on("data", (chunk: Buffer) => collect(chunk, "stderr"));
    child.on("error", (error: NodeJS.ErrnoException) => settle({ code: null, error }));
    child.on("exit", (code) => {
      exitCode = code;
      grace = setTimeout(() => settle({ code: exitCode }), 200);
    });
    child.on("close", () => settle({ code: exitCode }));
    child.stdin.on("error", () => {});
    child.stdin.end(input);
  });
}

/**
 * Runs `docker-credential-<name> get` with the server address on stdin. "Not found" (non-zero exit
 * mentioning "credentials not found") means anonymous; other failures are errors naming the helper,
 * never quoting what it printed.
 */
export async function runCredentialHelper(
  name: string,
  serverAddress: string,
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number | undefined } = {},
): Promise<Credential | undefined> {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new OciError(`invalid credential helper name "${printable(name)}"`, "credentials");
  const program = `docker-credential-${name}`;
  const timeoutMs = options.timeoutMs ?? TIMEOUTS.helperMs;
  const result = await runHelperProcess(program, serverAddress, options.env ?? process.env, timeoutMs);
  if (result.stopped === "timeout") {
    throw new OciError(`credential helper ${program} did not answer within ${Math.round(timeoutMs / 100) / 10} s (configured for ${serverAddress})`, "credentials");
  }
  if (result.stopped === "output") {
    throw new OciError(`credential helper ${program} printed more than ${LIMITS.helperOutputBytes} bytes (configured for ${serverAddress})`, "credentials");
  }
  if (result.error) {
    const why = result.error.code === "ENOENT" ? "not found on PATH" : (result.error.code ?? "could not start");
    throw new OciError(`credential helper ${program} ${why} (configured for ${serverAddress})`, "credentials");
  }
  if (result.code !== 0) {
    if (/credentials not found/i.test(result.stdout + result.stderr)) return undefined;
    throw new OciError(`credential helper ${program} failed for ${serverAddress} (exit ${result.code ?? "killed"})`, "credentials");
  }
  let reply: { Username?: unknown; Secret?: unknown };
  try {
    reply = JSON.parse(result.stdout) as typeof reply;
  } catch {
    throw new OciError(`credential helper ${program} returned malformed output for ${serverAddress}`, "credentials");
  }
  const username = typeof reply.Username === "string" ? reply.Username : "";
  const secret = typeof reply.Secret === "string" ? reply.Secret : "";
  if (secret === "") return undefined;
  return username === "<token>" ? { identityToken: secret } : { username, password: secret };
}
