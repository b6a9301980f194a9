/**
 * Auth layer: answers `401 + WWW-Authenticate` challenges and remembers what worked, per host.
 *  - Basic: `Authorization: Basic …` on this and every later request to that host.
 *  - Bearer: a token from the challenge's realm for the request's scopes merged with the challenged
 *    ones: GET `realm?service&scope…&account` (Basic credentials, or anonymous), or an OAuth2 POST
 *    (`grant_type=refresh_token`) when the credential is an identity token. Tokens are cached per
 *    (host, scope set) until they expire; once a host's realm is known, later requests fetch their
 *    token before sending, so bodies are not sent twice.
 * Credentials are looked up by the request's own host, so nothing is ever forwarded to another host.
 */
import { OciError, UnauthorizedError } from "../errors.ts";
import { hasSecret, type Credential, type CredentialProvider } from "../credentials.ts";
import { parseChallenges } from "./challenge.ts";
import type { HttpRequest, Transport } from "./http.ts";

export interface AuthOptions {
  credentials: CredentialProvider;
  /** Transport for token requests (retries, but no auth layer). */
  tokenTransport: Transport;
  /** OAuth2 client_id (default `proxy-wasm`). */
  clientId?: string;
  now?: () => number;
}

interface HostState {
  scheme: "basic" | "bearer";
  realm?: string;
  service?: string;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Merges scope strings (`type:name:actions`), joining actions per resource, sorted and deduplicated. */
export function mergeScopes(...lists: ReadonlyArray<readonly string[] | undefined>): string[] {
  const resources = new Map<string, Set<string>>();
  for (const scope of lists.flatMap((l) => l ?? [])) {
    const first = scope.indexOf(":");
    const last = scope.lastIndexOf(":");
    if (first <= 0 || last === first) continue;
    const resource = scope.slice(0, last);
    const actions = resources.get(resource) ?? new Set<string>();
    for (const action of scope.slice(last + 1).split(",")) if (action) actions.add(action);
    resources.set(resource, actions);
  }
  return [...resources.entries()].map(([resource, actions]) => `${resource}:${[...actions].sort().join(",")}`).sort();
}

export function withAuth(next: Transport, options: AuthOptions): Transport {
  const now = options.now ?? Date.now;
  const hosts = new Map<string, HostState>();
  const tokens = new Map<string, CachedToken>();
  const pending = new Map<string, Promise<string>>();
  const credentialCache = new Map<string, Promise<Credential | undefined>>();

  const credentialFor = (host: string): Promise<Credential | undefined> => {
    let found = credentialCache.get(host);
    if (!found) {
      found = options.credentials(host);
      credentialCache.set(host, found);
    }
    return found;
  };

  const tokenFor = (host: string, state: HostState, scopes: string[], fresh: boolean, secure: boolean): Promise<string> => {
    const key = `${host} ${scopes.join(" ")}`;
    const cached = tokens.get(key);
    if (!fresh && cached && cached.expiresAt > now()) return Promise.resolve(cached.token);
    let inFlight = pending.get(key);
    if (!inFlight) {
      inFlight = fetchToken(host, state, scopes, secure).finally(() => pending.delete(key));
      pending.set(key, inFlight);
    }
    return inFlight;
  };

  const fetchToken = async (host: string, state: HostState, scopes: string[], secure: boolean): Promise<string> => {
    const credential = await credentialFor(host);
    const key = `${host} ${scopes.join(" ")}`;
    if (credential?.registryToken) {
      tokens.set(key, { token: credential.registryToken, expiresAt: Number.POSITIVE_INFINITY });
      return credential.registryToken;
    }
    let realm: URL;
    try {
      realm = new URL(state.realm ?? "");
      if (realm.protocol !== "https:" && realm.protocol !== "http:") throw new Error();
    } catch {
      throw new OciError(`${host} sent a Bearer challenge without a usable realm`);
    }
    if (secure && realm.protocol === "http:" && hasSecret(credential)) {
      // An HTTPS registry pointing at a plain-HTTP token server would expose the credentials.
      throw new OciError(`${host} names a plain-HTTP token server (${realm.host}); refusing to send credentials there`);
    }
    let request: HttpRequest;
    if (credential?.identityToken) {
      const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: credential.identityToken });
      if (state.service) form.set("service", state.service);
      form.set("client_id", options.clientId ?? "proxy-wasm");
      if (scopes.length > 0) form.set("scope", scopes.join(" "));
      request = {
        method: "POST",
        url: realm,
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new TextEncoder().encode(form.toString()),
      };
    } else {
      const url = new URL(realm);
      if (state.service) url.searchParams.set("service", state.service);
      for (const scope of scopes) url.searchParams.append("scope", scope);
      const headers: Record<string, string> = {};
      if (credential?.username !== undefined && credential.password !== undefined) {
        url.searchParams.set("account", credential.username);
        headers.Authorization = basicHeader(credential);
      }
      request = { method: "GET", url, headers };
    }
    const response = await options.tokenTransport(request);
    if (response.status === 401 || response.status === 403) {
      throw hasSecret(credential)
        ? new UnauthorizedError(`unauthorized: wrong credentials for ${host}`)
        : new UnauthorizedError(`unauthorized: ${host} requires credentials${hint}`);
    }
    if (!response.ok) throw new OciError(`token server ${realm.host} for ${host} answered ${response.status}`);
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = (await response.json()) as typeof body;
    } catch {
      throw new OciError(`token server ${realm.host} for ${host} sent a malformed reply`);
    }
    const token = typeof body.access_token === "string" && body.access_token ? body.access_token : body.token;
    if (typeof token !== "string" || token === "") throw new OciError(`token server ${realm.host} for ${host} sent no token`);
    const lifetime = typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : 60;
    tokens.set(key, { token, expiresAt: now() + Math.max(lifetime - 10, lifetime / 2) * 1000 });
    return token;
  };

  const send = (request: HttpRequest, authorization: string | undefined): Promise<Response> =>
    next(authorization ? { ...request, headers: { ...request.headers, Authorization: authorization } } : request);

  return async (request) => {
    const host = request.url.host;
    const scopes = mergeScopes(request.scopes);
    let state = hosts.get(host);
    let authorization: string | undefined;
    if (state?.scheme === "basic") {
      const credential = await credentialFor(host);
      if (credential?.username !== undefined && credential.password !== undefined) authorization = basicHeader(credential);
    } else if (state?.scheme === "bearer") {
      authorization = `Bearer ${await tokenFor(host, state, scopes, false, request.url.protocol === "https:")}`;
    }
    const response = await send(request, authorization);
    if (response.status !== 401) return response;

    const challenges = parseChallenges(response.headers.get("www-authenticate"));
    const bearer = challenges.find((c) => c.scheme === "bearer");
    const basic = challenges.find((c) => c.scheme === "basic");
    const credential = await credentialFor(host);
    if (bearer) {
      state = { scheme: "bearer" };
      if (bearer.params.realm !== undefined) state.realm = bearer.params.realm;
      if (bearer.params.service !== undefined) state.service = bearer.params.service;
      hosts.set(host, state);
      const wanted = mergeScopes(scopes, bearer.params.scope?.split(" "));
      const token = await tokenFor(host, state, wanted, true, request.url.protocol === "https:");
      const retried = await send(request, `Bearer ${token}`);
      if (retried.status !== 401) return retried;
      throw hasSecret(credential)
        ? new UnauthorizedError(`denied: the credentials for ${host} do not grant ${wanted.join(" ") || "access"}`)
        : new UnauthorizedError(`unauthorized: ${host} requires credentials${hint}`);
    }
    if (basic) {
      if (credential?.username === undefined || credential.password === undefined) {
        throw new UnauthorizedError(`unauthorized: ${host} requires credentials${hint}`);
      }
      if (authorization) throw new UnauthorizedError(`unauthorized: wrong credentials for ${host}`);
      hosts.set(host, { scheme: "basic" });
      const retried = await send(request, basicHeader(credential));
      if (retried.status === 401) throw new UnauthorizedError(`unauthorized: wrong credentials for ${host}`);
      return retried;
    }
    return response;
  };
}

const hint = " (use --username with --password-stdin, or a docker config.json)";

function basicHeader(credential: Credential): string {
  return `Basic ${Buffer.from(`${credential.username ?? ""}:${credential.password ?? ""}`, "utf8").toString("base64")}`;
}
