import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import { NetworkError, readAll, SecretSet, UnauthorizedError, type Credential } from "../../scripts/oci/index.ts";
import { mergeScopes, withAuth, type AuthOptions } from "../../scripts/oci/transport/auth.ts";
import { parseChallenges } from "../../scripts/oci/transport/challenge.ts";
import { fetchTransport, type HttpRequest, type HttpResponse, type Transport } from "../../scripts/oci/transport/http.ts";
import { withRedirects } from "../../scripts/oci/transport/redirect.ts";
import { parseRetryAfter, withRetry } from "../../scripts/oci/transport/retry.ts";

const url = (s: string) => new URL(s);
/** A response as the fetch transport hands it over, with its (small) body already read. */
const reply = (status: number, headers: Record<string, string> = {}, body = ""): HttpResponse => {
  const bytes = new TextEncoder().encode(body);
  return {
    status,
    statusText: "",
    headers: new Headers(headers),
    url: new URL("http://test.invalid/"),
    body: bytes,
    stream: async function* () {
      yield bytes;
    },
    discard: async () => {},
  };
};
const text = async (response: HttpResponse) => new TextDecoder().decode(await readAll(response.stream(), 1 << 20, "body"));
/** Auth options for one registry origin with a fixed credential. */
const authFor = (origin: string, credential: Credential | undefined, tokenTransport: Transport): AuthOptions => ({
  origin,
  registry: new URL(origin).host,
  credential: async () => credential,
  tokenTransport,
  secrets: new SecretSet(),
});

describe("WWW-Authenticate parsing", () => {
  it("keeps commas inside quoted values and splits several challenges", () => {
    const challenges = parseChallenges(
      'Basic realm="basic, realm", Bearer realm="http://127.0.0.1:5074/token",service="local-registry",scope="repository:wasm/filter:pull,push",error="insufficient_scope"',
    );
    assert.deepEqual(challenges, [
      { scheme: "basic", params: { realm: "basic, realm" } },
      {
        scheme: "bearer",
        params: {
          realm: "http://127.0.0.1:5074/token",
          service: "local-registry",
          scope: "repository:wasm/filter:pull,push",
          error: "insufficient_scope",
        },
      },
    ]);
    assert.deepEqual(parseChallenges(null), []);
  });

  it("merges scopes per resource", () => {
    assert.deepEqual(mergeScopes(["repository:a/b:push"], ["repository:a/b:pull", "registry:catalog:*"]), [
      "registry:catalog:*",
      "repository:a/b:pull,push",
    ]);
  });
});

describe("retry layer", () => {
  const fast = { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 2000, maxElapsedMs: 10_000 };
  const scripted = (outcomes: Array<number | "drop" | [number, Record<string, string>]>) => {
    const calls: HttpRequest[] = [];
    const transport: Transport = async (request) => {
      calls.push(request);
      const next = outcomes.shift() ?? 200;
      if (next === "drop") throw new NetworkError("cannot reach x: connection reset (ECONNRESET)");
      return Array.isArray(next) ? reply(next[0], next[1]) : reply(next);
    };
    return { transport, calls };
  };
  const request: HttpRequest = { method: "PUT", url: url("http://r/v2/x/manifests/v1"), body: new Uint8Array([1, 2, 3]) };

  it("retries 500 and dropped connections, re-sending the same body, then succeeds", async () => {
    const { transport, calls } = scripted([500, "drop", 201]);
    const sleeps: number[] = [];
    const response = await withRetry(transport, fast, { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 })(request);
    assert.equal(response.status, 201);
    assert.equal(calls.length, 3);
    assert.ok(calls.every((c) => c.body === request.body));
    assert.deepEqual(sleeps, [7.5, 15]); // equal jitter: base*2^(n-1) * (0.5 + 0.5*random)
  });

  it("honours Retry-After on 429", async () => {
    const { transport } = scripted([[429, { "Retry-After": "1" }], 200]);
    const sleeps: number[] = [];
    const response = await withRetry(transport, fast, { sleep: async (ms) => void sleeps.push(ms), random: () => 0 })(request);
    assert.equal(response.status, 200);
    assert.deepEqual(sleeps, [1000]);
  });

  it("gives up when Retry-After exceeds the delay cap, returning the 429", async () => {
    const { transport, calls } = scripted([[429, { "Retry-After": "3600" }], 200]);
    const response = await withRetry(transport, fast, { sleep: async () => {} })(request);
    assert.equal(response.status, 429);
    assert.equal(calls.length, 1);
  });

  it("is bounded: the last 503 comes back after maxAttempts; a persistent drop throws one NetworkError", async () => {
    const failing = scripted([503, 503, 503, 503, 503, 503]);
    const response = await withRetry(failing.transport, fast, { sleep: async () => {} })(request);
    assert.equal(response.status, 503);
    assert.equal(failing.calls.length, 4);
    const dropping = scripted(["drop", "drop", "drop", "drop", "drop"]);
    await assert.rejects(withRetry(dropping.transport, fast, { sleep: async () => {} })(request), /connection reset.*\(after 4 attempts\)$/);
  });

  it("is bounded in time", async () => {
    let now = 0;
    const failing = scripted([500, 500, 500, 500]);
    const policy = { maxAttempts: 10, baseDelayMs: 1000, maxDelayMs: 1000, maxElapsedMs: 2500 };
    const response = await withRetry(failing.transport, policy, { sleep: async (ms) => void (now += ms), now: () => now, random: () => 1 })(request);
    assert.equal(response.status, 500);
    assert.equal(failing.calls.length, 3);
  });

  it("does not retry 4xx, 501, or a drop the caller handles itself", async () => {
    for (const status of [400, 404, 501]) {
      const { transport, calls } = scripted([status, 200]);
      assert.equal((await withRetry(transport, fast, { sleep: async () => {} })(request)).status, status);
      assert.equal(calls.length, 1);
    }
    const { transport, calls } = scripted(["drop", 200]);
    await assert.rejects(withRetry(transport, fast)({ ...request, retryOnNetworkError: false }), NetworkError);
    assert.equal(calls.length, 1);
  });

  it("does not retry a permanent network failure (TLS mismatch, unknown host)", async () => {
    let calls = 0;
    const tls: Transport = async () => {
      calls++;
      throw new NetworkError("cannot reach r: TLS handshake failed", false);
    };
    await assert.rejects(withRetry(tls, fast, { sleep: async () => {} })(request), /^NetworkError: cannot reach r: TLS handshake failed$/);
    assert.equal(calls, 1);
  });

  it("parses Retry-After seconds and dates", () => {
    assert.equal(parseRetryAfter("2", 0), 2000);
    assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4000), 6000);
    assert.equal(parseRetryAfter("soon", 0), undefined);
  });
});

describe("auth layer", () => {
  const secret = "pa55-w0rd!";
  const registry = (handler: (request: HttpRequest) => HttpResponse) => {
    const seen: HttpRequest[] = [];
    const transport: Transport = async (request) => {
      seen.push(request);
      return handler(request);
    };
    return { transport, seen };
  };
  const auth = (request: HttpRequest) => request.headers?.Authorization;

  it("answers a Basic challenge once, then sends Basic up front", async () => {
    const basic = `Basic ${Buffer.from(`alice:${secret}`).toString("base64")}`;
    const { transport, seen } = registry((r) => (auth(r) === basic ? reply(200) : reply(401, { "WWW-Authenticate": 'Basic realm="r"' })));
    const client = withAuth(transport, authFor("http://127.0.0.1:5000", { username: "alice", password: secret }, transport));
    assert.equal((await client({ method: "HEAD", url: url("http://127.0.0.1:5000/v2/a/blobs/x") })).status, 200);
    assert.equal((await client({ method: "HEAD", url: url("http://127.0.0.1:5000/v2/a/blobs/y") })).status, 200);
    assert.deepEqual(seen.map(auth), [undefined, basic, basic]);
  });

  it("says which registry refused the credentials, without the password", async () => {
    const { transport } = registry(() => reply(401, { "WWW-Authenticate": 'Basic realm="r"' }));
    const client = withAuth(transport, authFor("http://127.0.0.1:5000", { username: "alice", password: secret }, transport));
    await assert.rejects(client({ method: "GET", url: url("http://127.0.0.1:5000/v2/") }), (error: Error) => {
      assert.ok(error instanceof UnauthorizedError);
      assert.equal(error.message, "unauthorized: wrong credentials for 127.0.0.1:5000");
      return true;
    });
  });

  it("fetches a Bearer token by GET with service, merged scopes and account, and caches it per scope", async () => {
    const tokenRequests: HttpRequest[] = [];
    const tokenTransport: Transport = async (r) => {
      tokenRequests.push(r);
      return reply(200, {}, JSON.stringify({ token: `tok-${tokenRequests.length}`, expires_in: 300 }));
    };
    const { transport, seen } = registry((r) =>
      auth(r)?.startsWith("Bearer tok-")
        ? reply(200)
        : reply(401, { "WWW-Authenticate": 'Bearer realm="https://auth.local/token",service="reg",scope="repository:wasm/f:pull"' }),
    );
    const client = withAuth(transport, authFor("https://reg.local", { username: "alice", password: secret }, tokenTransport));
    const scopes = ["repository:wasm/f:pull,push"];
    await client({ method: "HEAD", url: url("https://reg.local/v2/wasm/f/blobs/a"), scopes });
    await client({ method: "PUT", url: url("https://reg.local/v2/wasm/f/blobs/uploads/1"), scopes, body: new Uint8Array(5) });
    await client({ method: "GET", url: url("https://reg.local/v2/wasm/f/manifests/v1"), scopes: ["repository:wasm/f:pull"] });
    assert.equal(tokenRequests.length, 2, "one token per scope set");
    const first = tokenRequests[0]!;
    assert.equal(first.method, "GET");
    assert.equal(first.url.origin + first.url.pathname, "https://auth.local/token");
    assert.equal(first.url.searchParams.get("service"), "reg");
    assert.deepEqual(first.url.searchParams.getAll("scope"), ["repository:wasm/f:pull,push"]);
    assert.equal(first.url.searchParams.get("account"), "alice");
    assert.equal(first.headers?.Authorization, `Basic ${Buffer.from(`alice:${secret}`).toString("base64")}`);
    // Second request: token known up front, so the body went out once.
    assert.deepEqual(seen.map((r) => r.method), ["HEAD", "HEAD", "PUT", "GET"]);
    assert.equal(auth(seen[2]!), "Bearer tok-1");
    assert.equal(auth(seen[3]!), "Bearer tok-2");
  });

  it("uses an OAuth2 POST (refresh_token grant) for an identity token", async () => {
    const tokenRequests: HttpRequest[] = [];
    const tokenTransport: Transport = async (r) => {
      tokenRequests.push(r);
      return reply(200, {}, JSON.stringify({ access_token: "oauth-tok" }));
    };
    const { transport } = registry((r) =>
      auth(r) === "Bearer oauth-tok" ? reply(200) : reply(401, { "WWW-Authenticate": 'Bearer realm="https://auth.local/oauth2/token",service="reg"' }),
    );
    const client = withAuth(transport, authFor("https://reg.local", { identityToken: "refresh-123" }, tokenTransport));
    assert.equal((await client({ method: "GET", url: url("https://reg.local/v2/a/manifests/1"), scopes: ["repository:a:pull"] })).status, 200);
    const post = tokenRequests[0]!;
    assert.equal(post.method, "POST");
    const form = new URLSearchParams(new TextDecoder().decode(post.body as Uint8Array));
    assert.equal(form.get("grant_type"), "refresh_token");
    assert.equal(form.get("refresh_token"), "refresh-123");
    assert.equal(form.get("service"), "reg");
    assert.equal(form.get("scope"), "repository:a:pull");
    assert.equal(form.get("client_id"), "proxy-wasm");
    assert.equal(post.headers?.Authorization, undefined);
  });

  it("refuses to send credentials to a plain-HTTP token server named by an HTTPS registry", async () => {
    const tokenRequests: HttpRequest[] = [];
    const tokenTransport: Transport = async (r) => {
      tokenRequests.push(r);
      return reply(200, {}, JSON.stringify({ token: "t" }));
    };
    const { transport } = registry(() => reply(401, { "WWW-Authenticate": 'Bearer realm="http://evil.example/token",service="reg"' }));
    const client = withAuth(transport, authFor("https://reg.local", { username: "alice", password: secret }, tokenTransport));
    await assert.rejects(client({ method: "GET", url: url("https://reg.local/v2/") }), (error: Error & { kind?: string }) => {
      assert.equal(error.kind, "insecure");
      assert.match(error.message, /names a plain-HTTP token server \(evil\.example\); refusing to send credentials there in clear/);
      return true;
    });
    assert.equal(tokenRequests.length, 0);
  });

  it("answers no challenge of another origin: its 401 comes back untouched, no credentials sent", async () => {
    const { transport, seen } = registry(() => reply(401, { "WWW-Authenticate": 'Basic realm="r"' }));
    const client = withAuth(transport, authFor("https://reg.local", { username: "alice", password: secret }, transport));
    const response = await client({ method: "GET", url: url("https://storage.other/blob/1") });
    assert.equal(response.status, 401);
    assert.equal(seen.length, 1);
    assert.ok(seen.every((r) => auth(r) === undefined));
  });
});

describe("fetch transport", () => {
  const servers: Server[] = [];
  after(() => servers.forEach((s) => s.close()));
  const listen = async (handler: Parameters<typeof createServer>[1]): Promise<string> => {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  it("follows redirects, dropping Authorization when the origin changes (a port counts)", async () => {
    const seen: Array<{ where: string; headers: IncomingHttpHeaders }> = [];
    const storage = await listen((req, res) => {
      seen.push({ where: "storage", headers: req.headers });
      res.end("blob-bytes");
    });
    const registry = await listen((req, res) => {
      seen.push({ where: `registry ${req.url}`, headers: req.headers });
      if (req.url === "/same") return res.writeHead(307, { Location: "/final" }).end();
      if (req.url === "/final") return res.end("same-origin");
      res.writeHead(307, { Location: `${storage}/blob?sig=abc` }).end();
    });
    const transport = withRedirects(fetchTransport());
    const cross = await transport({ method: "GET", url: url(`${registry}/v2/a/blobs/x`), headers: { Authorization: "Bearer secret-token" } });
    assert.equal(await text(cross), "blob-bytes");
    const same = await transport({ method: "GET", url: url(`${registry}/same`), headers: { Authorization: "Bearer secret-token" } });
    assert.equal(await text(same), "same-origin");
    assert.equal(seen.find((s) => s.where === "storage")!.headers.authorization, undefined);
    assert.equal(seen.find((s) => s.where === "registry /final")!.headers.authorization, "Bearer secret-token");
  });

  it("turns a refused connection into a NetworkError with a short reason", async () => {
    const closed = await listen(() => {});
    servers.pop()!.close();
    await new Promise((r) => setTimeout(r, 20));
    await assert.rejects(fetchTransport()({ method: "GET", url: url(`${closed}/v2/`) }), (error: Error) => {
      assert.ok(error instanceof NetworkError);
      assert.match(error.message, /^cannot reach 127\.0\.0\.1:[0-9]+: connection refused \(ECONNREFUSED\)$/);
      return true;
    });
  });
});
