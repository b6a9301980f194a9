/**
 * Real registries for tests: Debian's `docker-registry` (CNCF distribution 2.8) with its own config,
 * bound to 127.0.0.1:0 (the port is read from its log), storage in a temporary directory, and one of
 * three auth modes: none, htpasswd (bcrypt) Basic, or token auth with an in-process token server.
 * `stop()` ends exactly the process it started (by PID) and removes the directory.
 *
 *   const registry = await startRegistry("basic");
 *   // registry.host === "127.0.0.1:41234", registry.username/password: "alice"/"s3cret"
 *   await registry.stop();
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { get as httpsGet } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTokenServer, type TokenServer } from "./token-server.ts";

export type AuthMode = "none" | "basic" | "token";

export interface RegistryOptions {
  /** Serve relative `Location` headers (distribution's `http.relativeurls`). */
  relativeUrls?: boolean;
  username?: string;
  password?: string;
  /** Refresh token the token server accepts (docker `identitytoken`). */
  refreshToken?: string;
  /** Serve HTTPS with a self-signed certificate for 127.0.0.1 (its path is `Registry.caPath`). */
  tls?: boolean;
}

export interface Registry {
  mode: AuthMode;
  /** `127.0.0.1:<port>` */
  host: string;
  url: string;
  pid: number;
  dir: string;
  username: string;
  password: string;
  refreshToken: string;
  tokenServer?: TokenServer;
  /** The self-signed certificate of a TLS registry (use as NODE_EXTRA_CA_CERTS). */
  caPath?: string;
  /** What the registry logged so far (for diagnosing a failure). */
  log(): string;
  stop(): Promise<void>;
}

export async function startRegistry(mode: AuthMode, options: RegistryOptions = {}): Promise<Registry> {
  const dir = mkdtempSync(join(tmpdir(), `oci-registry-${mode}-`));
  const username = options.username ?? "alice";
  const password = options.password ?? "s3cret";
  const refreshToken = options.refreshToken ?? "alice-refresh-token-0123456789";
  let tokenServer: TokenServer | undefined;
  const lines = [
    "version: 0.1",
    "log:",
    "  level: info",
    "  formatter: text",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${join(dir, "data")}`,
    "  delete:",
    "    enabled: true",
    "  cache:",
    "    blobdescriptor: inmemory",
    "http:",
    "  addr: 127.0.0.1:0",
    "  secret: harness-secret",
    `  relativeurls: ${options.relativeUrls ? "true" : "false"}`,
  ];
  try {
    if (mode === "basic") {
      const entry = execFileSync("htpasswd", ["-Bbn", username, password], { encoding: "utf8" });
      writeFileSync(join(dir, "htpasswd"), entry);
      lines.push("auth:", "  htpasswd:", "    realm: basic-realm", `    path: ${join(dir, "htpasswd")}`);
    } else if (mode === "token") {
      tokenServer = await startTokenServer({ dir, username, password, refreshToken });
      lines.push(
        "auth:",
        "  token:",
        `    realm: ${tokenServer.realm}`,
        `    service: ${tokenServer.service}`,
        `    issuer: ${tokenServer.issuer}`,
        `    rootcertbundle: ${tokenServer.certPath}`,
      );
    }
    if (options.tls) {
      execFileSync(
        "openssl",
        ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
          "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", join(dir, "tls-key.pem"), "-out", join(dir, "tls-cert.pem")],
        { stdio: "ignore" },
      );
      lines.splice(lines.indexOf("http:") + 1, 0, "  tls:", `    certificate: ${join(dir, "tls-cert.pem")}`, `    key: ${join(dir, "tls-key.pem")}`);
    }
    writeFileSync(join(dir, "config.yml"), `${lines.join("\n")}\n`);
  } catch (error) {
    await tokenServer?.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const child: ChildProcess = spawn("docker-registry", ["serve", join(dir, "config.yml")], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
  });
  let output = "";
  const append = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    if (output.length > 2_000_000) output = output.slice(-1_000_000);
  };
  child.stdout!.on("data", append);
  child.stderr!.on("data", append);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, "SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      const killed = await Promise.race([
        exited.then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 5000))),
      ]);
      clearTimeout(timer);
      if (!killed && child.exitCode === null) {
        process.kill(child.pid, "SIGKILL");
        await exited;
      }
    }
    await tokenServer?.stop();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const port = await waitFor(() => /listening on 127\.0\.0\.1:([0-9]+)/.exec(output)?.[1], 10_000, () => child.exitCode !== null);
    const host = `127.0.0.1:${port}`;
    const url = `${options.tls ? "https" : "http"}://${host}`;
    await waitFor(() => probe(`${url}/v2/`).then((status) => (status === 200 || status === 401 ? true : undefined)), 10_000);
    const registry: Registry = {
      mode,
      host,
      url,
      pid: child.pid!,
      dir,
      username,
      password,
      refreshToken,
      log: () => output,
      stop,
    };
    if (tokenServer) registry.tokenServer = tokenServer;
    if (options.tls) registry.caPath = join(dir, "tls-cert.pem");
    return registry;
  } catch (error) {
    await stop();
    throw new Error(`docker-registry (${mode}) did not start: ${(error as Error).message}\n${output.slice(-2000)}`);
  }
}

/** GET without keep-alive (a pooled fetch socket would hold the test process open for seconds). */
function probe(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const fetcher = url.startsWith("https:") ? httpsGet : get;
    const request = fetcher(url, { agent: false, rejectUnauthorized: false, headers: { Connection: "close" } }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.on("error", () => resolve(undefined));
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, failed?: () => boolean): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (failed?.()) throw new Error("process exited");
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await sleep(20);
  }
}
