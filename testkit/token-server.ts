/**
 * A small token server for distribution's token auth (docs/oci.md §4.6), in the test process: GET /token
 * (distribution token spec; Basic credentials or anonymous) and POST /token (OAuth2: refresh_token or
 * password grant). It signs RS256 JWTs whose header carries the certificate chain (`x5c`), with `aud` a
 * string, as distribution 2.8 requires. Anonymous callers get `pull` only; the known user gets
 * `pull,push`; wrong credentials get 401. Every request is recorded for assertions.
 */
import { createSign, randomUUID } from "node:crypto";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import type { AddressInfo } from "node:net";

export interface TokenRequestRecord {
  method: string;
  /** `basic:<user>`, `refresh_token`, `password:<user>`, or `anonymous`. */
  via: string;
  scopes: string[];
  account?: string;
  status: number;
}

export interface TokenServer {
  url: string;
  realm: string;
  service: string;
  issuer: string;
  certPath: string;
  requests: TokenRequestRecord[];
  stop(): Promise<void>;
}

export interface TokenServerOptions {
  dir: string;
  username: string;
  password: string;
  /** Accepted as an OAuth2 refresh token (docker `identitytoken`) for `username`. */
  refreshToken: string;
  service?: string;
  issuer?: string;
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const service = options.service ?? "local-registry";
  const issuer = options.issuer ?? "local-token-issuer";
  const keyPath = join(options.dir, "token-key.pem");
  const certPath = join(options.dir, "token-cert.pem");
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyPath, "-out", certPath, "-days", "2", "-subj", `/CN=${issuer}`],
    { stdio: "ignore" },
  );
  const key = readFileSync(keyPath, "utf8");
  const certDer = readFileSync(certPath, "utf8").replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  const requests: TokenRequestRecord[] = [];

  const sign = (subject: string, scopes: string[], allowed: string[]): string => {
    const now = Math.floor(Date.now() / 1000);
    const access = scopes.flatMap((scope) => {
      const [type, ...rest] = scope.split(":");
      const actions = rest.pop() ?? "";
      const granted = actions.split(",").filter((a) => allowed.includes(a));
      return type && granted.length > 0 ? [{ type, name: rest.join(":"), actions: granted }] : [];
    });
    const header = base64url(JSON.stringify({ typ: "JWT", alg: "RS256", x5c: [certDer] }));
    const claims = base64url(
      JSON.stringify({ iss: issuer, sub: subject, aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access }),
    );
    const signature = createSign("RSA-SHA256").update(`${header}.${claims}`).sign(key);
    return `${header}.${claims}.${base64url(signature)}`;
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://token");
      const reply = (status: number, body: unknown, record: Omit<TokenRequestRecord, "status">) => {
        requests.push({ ...record, status });
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (url.pathname !== "/token") return reply(404, { error: "not found" }, { method: req.method ?? "", via: "none", scopes: [] });
      if (req.method === "GET") {
        const scopes = url.searchParams.getAll("scope");
        const account = url.searchParams.get("account") ?? undefined;
        const auth = req.headers.authorization;
        let user: string | undefined;
        if (auth?.startsWith("Basic ")) {
          const decoded = Buffer.from(auth.slice(6), "base64").toString("utf8");
          const colon = decoded.indexOf(":");
          if (decoded.slice(0, colon) !== options.username || decoded.slice(colon + 1) !== options.password) {
            return reply(401, { errors: [{ code: "UNAUTHORIZED", message: "invalid credentials" }] }, { method: "GET", via: "basic:?", scopes, ...(account ? { account } : {}) });
          }
          user = options.username;
        }
        const token = sign(user ?? "", scopes, user ? ["pull", "push"] : ["pull"]);
        return reply(
          200,
          { token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() },
          { method: "GET", via: user ? `basic:${user}` : "anonymous", scopes, ...(account ? { account } : {}) },
        );
      }
      if (req.method === "POST") {
        const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
        const scopes = (form.get("scope") ?? "").split(" ").filter(Boolean);
        const grant = form.get("grant_type");
        const ok =
          (grant === "refresh_token" && form.get("refresh_token") === options.refreshToken) ||
          (grant === "password" && form.get("username") === options.username && form.get("password") === options.password);
        const via = grant === "refresh_token" ? "refresh_token" : `password:${form.get("username") ?? ""}`;
        if (!ok || form.get("service") !== service) {
          return reply(401, { error: "invalid_grant" }, { method: "POST", via, scopes });
        }
        const token = sign(options.username, scopes, ["pull", "push"]);
        return reply(200, { access_token: token, expires_in: 300, refresh_token: options.refreshToken }, { method: "POST", via, scopes });
      }
      reply(405, { error: "method not allowed" }, { method: req.method ?? "", via: "none", scopes: [] });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certPath,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
