/**
 * Auth layer for one registry origin: answers `401 + WWW-Authenticate` challenges from that origin
 * only, and remembers what worked.
 *  - Basic: `Authorization: Basic …` on this and every later request to the origin.
 *  - Bearer: a token from the realm the origin named, for the request's scopes merged with the
 *    challenged ones: GET `realm?service&scope…&account` (Basic credentials, or anonymous), or an
 *    OAuth2 POST (`grant_type=refresh_token`) for an identity token. Tokens are cached per
 *    (origin, scope set) until they expire; once the realm is known, later requests fetch their token
 *    before sending, so bodies are not sent twice.
 * Requests to any other origin (a redirect target, a storage host) pass through untouched: no
 * credentials, no challenge answered, nothing cached. Credentials never go to a plain-HTTP realm on a
 * non-loopback host unless `allowPlainHttpRealm` says so. Every secret sent or received is added to
 * `secrets`, so no message can print it.
 */
import { OciError, UnauthorizedError } from "../errors.ts";
import { hasSecret, type Credential } from "../credentials.ts";
import { LIMITS } from "../limits.ts";
import { isLoopbackHost } from "../reference.ts";
import { printable, type SecretSet } from "../secrets.ts";
import { parseChallenges } from "./challenge.ts";
import type { HttpRequest, HttpResponse, Transport } from "./http.ts";

export interface AuthOptions {
  /** `scheme://host[:port]` of the registry: the only origin whose challenges are answered. */
  origin: string;
  /** The registry's name for messages (`host[:port]`). */
  registry: string;
  /** The registry's credential (looked up once, on the first challenge). */
  credential: () => Promise<Credential | undefined>;
  /** Transport for token requests (retries, no auth, no redirects). */
  tokenTransport: Transport;
  secrets: SecretSet;
  /** Send credentials to an `http://` realm on another, non-loopback host (they travel in clear). */
  allowPlainHttpRealm?: boolean;
  /** OAuth2 client_id (default `proxy-wasm`). */
  clientId?: string;
  now?: () => number;
}

interface OriginState {
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
  const registry = options.registry;
  let state: OriginState | undefined;
  const tokens = new Map<string, CachedToken>();
  const pending = new Map<string, Promise<string>>();
  let credentialLookup: Promise<Credential | undefined> | undefined;

  const credential = (): Promise<Credential | undefined> => {
    credentialLookup ??= options.credential().then((found) => {
      if (found?.username !== undefined && found.password !== undefined) options.secrets.addBasic(found.username, found.password);
      options.secrets.add(found?.password);
      options.secrets.add(found?.identityToken);
      options.secrets.add(found?.registryToken);
      return found;
    });
    return credentialLookup;
  };

  const tokenFor = (current: OriginState, scopes: string[], fresh: boolean): Promise<string> => {
    const key = `${options.origin} ${scopes.join(" ")}`;
    const cached = tokens.get(key);
    if (!fresh && cached && cached.expiresAt > now()) return Promise.resolve(cached.token);
    let inFlight = pending.get(key);
    if (!inFlight) {
      inFlight = fetchToken(current, scopes)
        .then((issued) => {
          tokens.set(key, issued);
          return issued.token;
        })
        .finally(() => pending.delete(key));
      pending.set(key, inFlight);
    }
    return inFlight;
  };

  const realmOf = (current: OriginState): URL => {
    let realm: URL;
    try {
      realm = new URL(current.realm ?? "");
    } catch {
      throw new OciError(`${registry} sent a Bearer challenge without a usable realm`, "invalid-content");
    }
    if (realm.protocol !== "https:" && realm.protocol !== "http:") {
      throw new OciError(`${registry} sent a Bearer challenge without a usable realm`, "invalid-content");
    }
    return realm;
  };

  const fetchToken = async (current: OriginState, scopes: string[]): Promise<CachedToken> => {
    const found = await credential();
    if (found?.registryToken) return { token: found.registryToken, expiresAt: Number.POSITIVE_INFINITY };
    const realm = realmOf(current);
    if (hasSecret(found) && realm.protocol === "http:" && !options.allowPlainHttpRealm && !(isLoopbackHost(realm.hostname) && isLoopbackHost(new URL(options.origin).hostname))) {
      throw new OciError(
        `${registry} names a plain-HTTP token server (${printable(realm.host, options.secrets, 100)}); refusing to send credentials there in clear`,
        "insecure",
      );
    }
    let request: HttpRequest;
    if (found?.identityToken) {
      const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: found.identityToken });
      if (current.service) form.set("service", current.service);
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
      if (current.service) url.searchParams.set("service", current.service);
      for (const scope of scopes) url.searchParams.append("scope", scope);
      const headers: Record<string, string> = {};
      if (found?.username !== undefined && found.password !== undefined) {
        url.searchParams.set("account", found.username);
        headers.Authorization = basicHeader(found);
      }
      request = { method: "GET", url, headers };
    }
    const realmHost = printable(realm.host, options.secrets, 100);
    const response = await options.tokenTransport({ ...request, readBody: { limit: LIMITS.tokenReplyBytes, what: `the reply of token server ${realmHost}` } });
    if (response.status === 401 || response.status === 403) throw refused(found);
    if (response.status < 200 || response.status > 299) {
      throw new OciError(`token server ${realmHost} for ${registry} answered ${response.status}`, "registry");
    }
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(new TextDecoder().decode(response.body)) as typeof body;
    } catch {
      throw new OciError(`token server ${realmHost} for ${registry} sent a malformed reply`, "invalid-content");
    }
    const token = typeof body.access_token === "string" && body.access_token ? body.access_token : body.token;
    if (typeof token !== "string" || token === "") throw new OciError(`token server ${realmHost} for ${registry} sent no token`, "invalid-content");
    options.secrets.add(token);
    const lifetime = typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : 60;
    return { token, expiresAt: now() + Math.max(lifetime - 10, lifetime / 2) * 1000 };
  };

  const refused = (found: Credential | undefined): UnauthorizedError =>
    hasSecret(found)
      ? new UnauthorizedError(`unauthorized: wrong credentials for ${registry}`, "denied")
      : new UnauthorizedError(`unauthorized: ${registry} requires credentials`, "unauthorized");

  const send = (request: HttpRequest, authorization: string | undefined): Promise<HttpResponse> =>
    next(authorization ? { ...request, headers: { ...request.headers, Authorization: authorization } } : request);

  return async (request) => {
    if (request.url.origin !== options.origin) return next(request);
    const scopes = mergeScopes(request.scopes);
    let authorization: string | undefined;
    if (state?.scheme === "basic") {
      const found = await credential();
      if (found?.username !== undefined && found.password !== undefined) authorization = basicHeader(found);
    } else if (state?.scheme === "bearer") {
      authorization = `Bearer ${await tokenFor(state, scopes, false)}`;
    }
    const response = await send(request, authorization);
    if (response.status !== 401) return response;

    const challenges = parseChallenges(response.headers.get("www-authenticate"));
    const bearer = challenges.find((c) => c.scheme === "bearer");
    const basic = challenges.find((c) => c.scheme === "basic");
    const found = await credential();
    if (bearer) {
      state = { scheme: "bearer" };
      if (bearer.params.realm !== undefined) state.realm = bearer.params.realm;
      if (bearer.params.service !== undefined) state.service = bearer.params.service;
      const wanted = mergeScopes(scopes, bearer.params.scope?.split(" "));
      const token = await tokenFor(state, wanted, true);
      const retried = await send(request, `Bearer ${token}`);
      if (retried.status !== 401) return retried;
      throw hasSecret(found)
        ? new UnauthorizedError(`denied: the credentials for ${registry} do not grant ${printable(wanted.join(" "), options.secrets) || "access"}`, "denied")
        : refused(found);
    }
    if (basic) {
      if (found?.username === undefined || found.password === undefined) throw refused(undefined);
      if (authorization) throw refused(found);
      state = { scheme: "basic" };
      const retried = await send(request, basicHeader(found));
      if (retried.status === 401) throw refused(found);
      return retried;
    }
    return response;
  };
}

function basicHeader(credential: Credential): string {
  return `Basic ${Buffer.from(`${credential.username ?? ""}:${credential.password ?? ""}`, "utf8").toString("base64")}`;
}
