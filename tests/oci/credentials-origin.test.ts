/**
 * Credentials stay with their origin, against hostile node:http servers on 127.0.0.1: a blob redirect
 * to a host whose 401 names a third host's realm gets no credentials and no token request; a
 * plain-HTTP realm on another host is refused unless the user opts in; a credential helper that hangs
 * is killed with its whole process group; secrets a registry or token server echoes never reach the
 * output (errors, --verbose, --json), while our own words are never scrubbed.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync, chmodSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCredentialHelper, SecretSet } from "../../scripts/oci/index.ts";
import { withAuth } from "../../scripts/oci/transport/auth.ts";
import type { HttpRequest, HttpResponse, Transport } from "../../scripts/oci/transport/http.ts";
import { listen, startFakeRegistry, wasmeManifest, type FakeRegistry } from "./fake-registry.ts";
import { addHeaderModule, removeTempDirs, runCli, tempDir, type ModuleFixture, type RunResult } from "./fixtures.ts";

let module: ModuleFixture;
before(async () => {
  module = await addHeaderModule();
});
after(removeTempDirs);

const b64 = (s: string) => Buffer.from(s).toString("base64");

/** A registry holding add-header as `wasm/f:v1` (wasme shape); returns the layer digest. */
function publish(registry: FakeRegistry, annotations?: Record<string, string>): { layer: string; config: string } {
  const configBytes = new TextEncoder().encode('{"type":"envoy_proxy","abiVersions":["v0.2.1"],"config":{"rootIds":["add_header"]}}');
  const config = registry.addBlob(configBytes);
  const layer = registry.addBlob(module.bytes);
  registry.addManifest("v1", wasmeManifest({ digest: config, size: configBytes.byteLength }, { digest: layer, size: module.bytes.byteLength }, annotations));
  return { layer, config };
}

function oneLineFailure(result: RunResult): string {
  assert.equal(result.code, 1, result.stderr);
  const lines = result.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, result.stderr);
  assert.ok(!/\n\s+at /.test(result.stderr), "no stack trace");
  return lines[0]!;
}

describe("credentials go to their origin only", () => {
  it("a blob redirected to another host whose 401 names a third host's realm: no credentials, no token request there", async () => {
    const password = "s3cret-Pa55";
    const registry = await startFakeRegistry({ basic: { username: "alice", password } });
    const realm = await listen((req, res) => {
      realmRequests.push({ path: req.url ?? "", authorization: req.headers.authorization });
      res.writeHead(200, { "Content-Type": "application/json" }).end('{"token":"stolen-token"}');
    });
    const realmRequests: Array<{ path: string; authorization: string | undefined }> = [];
    const storageRequests: Array<string | undefined> = [];
    const storage = await listen((req, res) => {
      storageRequests.push(req.headers.authorization);
      res.writeHead(401, { "WWW-Authenticate": `Bearer realm="${realm.url}/token",service="storage"` }).end();
    });
    try {
      const { layer } = publish(registry);
      registry.route = (req, res) => {
        if (req.method !== "GET" || !req.url?.endsWith(`/blobs/${layer}`)) return false;
        res.writeHead(307, { Location: `${storage.url}/bucket/${layer}?sig=abc` }).end();
        return true;
      };
      const result = await runCli(["pull", `${registry.host}/wasm/f:v1`, "-o", join(tempDir(), "f.wasm"), "-u", "alice", "--password-stdin"], { input: password });
      const line = oneLineFailure(result);
      assert.match(line, new RegExp(`^error: fetching blob ${layer} from ${registry.host}/wasm/f failed: 401 Unauthorized \\(from ${storage.host}, where the registry redirected; credentials are not sent there\\)$`));
      assert.ok(storageRequests.length >= 1, "the redirect was followed");
      assert.deepEqual(storageRequests, storageRequests.map(() => undefined), "no Authorization went to the redirect target");
      assert.deepEqual(realmRequests, [], "the redirect target's realm was never asked for a token");
      const basic = `Basic ${b64(`alice:${password}`)}`;
      assert.ok(registry.requests.some((r) => r.authorization === basic), "the registry itself got its credentials");
      assert.ok(!result.stderr.includes(password) && !result.stderr.includes(b64(`alice:${password}`)));
    } finally {
      await Promise.all([registry.stop(), realm.stop(), storage.stop()]);
    }
  });

  it("a plain-HTTP realm on a non-loopback host: the credentials are refused, before any token request", async () => {
    const registry = await startFakeRegistry();
    try {
      publish(registry);
      registry.route = (_req, res) => {
        res.writeHead(401, { "WWW-Authenticate": 'Bearer realm="http://token.example.invalid/token",service="reg"' }).end();
        return true;
      };
      const result = await runCli(["pull", `${registry.host}/wasm/f:v1`, "-o", join(tempDir(), "f.wasm"), "-u", "alice", "--password-stdin"], { input: "hunter2" });
      const line = oneLineFailure(result);
      assert.equal(
        line,
        `error: ${registry.host} names a plain-HTTP token server (token.example.invalid); refusing to send credentials there in clear (--allow-plain-http-realm sends them anyway)`,
      );
    } finally {
      await registry.stop();
    }
  });

  it("--allow-plain-http-realm (allowPlainHttpRealm) lets them go there; anonymous token requests go anyway", async () => {
    const tokenRequests: HttpRequest[] = [];
    const reply = (status: number, headers: Record<string, string>, body = ""): HttpResponse => {
      const bytes = new TextEncoder().encode(body);
      return { status, statusText: "", headers: new Headers(headers), url: new URL("http://127.0.0.1/"), body: bytes, stream: async function* () {}, discard: async () => {} };
    };
    const tokenTransport: Transport = async (request) => {
      tokenRequests.push(request);
      return reply(200, {}, '{"token":"t"}');
    };
    const registry: Transport = async (request) =>
      request.headers?.Authorization === "Bearer t" ? reply(200, {}) : reply(401, { "WWW-Authenticate": 'Bearer realm="http://token.example.invalid/token"' });
    const options = (allow: boolean, credential: { username: string; password: string } | undefined) => ({
      origin: "http://127.0.0.1:5000",
      registry: "127.0.0.1:5000",
      credential: async () => credential,
      tokenTransport,
      secrets: new SecretSet(),
      ...(allow ? { allowPlainHttpRealm: true } : {}),
    });
    const request: HttpRequest = { method: "GET", url: new URL("http://127.0.0.1:5000/v2/x/manifests/v1") };
    assert.equal((await withAuth(registry, options(true, { username: "alice", password: "pw" }))(request)).status, 200);
    assert.equal(tokenRequests.at(-1)!.headers?.Authorization, `Basic ${b64("alice:pw")}`);
    assert.equal((await withAuth(registry, options(false, undefined))(request)).status, 200);
    assert.equal(tokenRequests.at(-1)!.headers?.Authorization, undefined, "anonymous: nothing to protect");
    await assert.rejects(withAuth(registry, options(false, { username: "alice", password: "pw" }))(request), /refusing to send credentials there in clear/);
    assert.equal(tokenRequests.length, 2);
  });
});

describe("credential helpers", () => {
  it("one that hangs (sh + sleep holding stdout) is killed with its whole process group, and says so", async () => {
    const bin = tempDir("oci-bin-");
    const pidFile = join(bin, "sleep.pid");
    writeFileSync(join(bin, "docker-credential-hang"), `#!/bin/sh\nsleep 120 &\necho $! > "${pidFile}"\nwait\n`);
    chmodSync(join(bin, "docker-credential-hang"), 0o755);
    const started = Date.now();
    await assert.rejects(
      runCredentialHelper("hang", "127.0.0.1:5000", { env: { PATH: `${bin}:${process.env.PATH}` }, timeoutMs: 500 }),
      /^OciError: credential helper docker-credential-hang did not answer within 0\.5 s \(configured for 127\.0\.0\.1:5000\)$/,
    );
    assert.ok(Date.now() - started < 5000, `settled after ${Date.now() - started} ms`);
    const pid = Number(readFileSync(pidFile, "utf8"));
    await new Promise((r) => setTimeout(r, 100));
    const state = existsSync(`/proc/${pid}/status`) ? /State:\s+(\S)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] : "gone";
    assert.ok(state === "gone" || state === "Z", `the orphaned sleep ${pid} is dead (state ${state})`);
  });

  it("one that prints without end is stopped at 64 KiB", async () => {
    const bin = tempDir("oci-bin-");
    writeFileSync(join(bin, "docker-credential-chatty"), "#!/bin/sh\nyes credentials\n");
    chmodSync(join(bin, "docker-credential-chatty"), 0o755);
    await assert.rejects(
      runCredentialHelper("chatty", "r.example", { env: { PATH: `${bin}:${process.env.PATH}` }, timeoutMs: 10_000 }),
      /printed more than 65536 bytes \(configured for r\.example\)$/,
    );
  });
});

describe("secrets never printed", () => {
  it("a registry echoing the password and its Basic encoding: scrubbed from the error and from --verbose", async () => {
    const password = "Echo-Me-Pa55";
    const registry = await startFakeRegistry({ basic: { username: "alice", password } });
    try {
      publish(registry);
      registry.route = (req, res) => {
        if (!req.url?.includes("/manifests/")) return false;
        res.writeHead(400, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ errors: [{ code: "DENIED", message: `you sent ${req.headers.authorization} (${password}) \u001b[2J\nerror: forged` }] }));
        return true;
      };
      for (const verbose of [[], ["-v"]]) {
        const result = await runCli(["inspect", `${registry.host}/wasm/f:v1`, "-u", "alice", "--password-stdin", ...verbose], { input: password });
        assert.equal(result.code, 1, result.stderr);
        for (const secret of [password, b64(password), b64(`alice:${password}`)]) assert.ok(!result.stderr.includes(secret), `${secret} in ${result.stderr}`);
        const last = result.stderr.trimEnd().split("\n").at(-1)!;
        assert.match(last, /^error: fetching manifest 127\.0\.0\.1:[0-9]+\/wasm\/f:v1 failed: denied: you sent Basic \*\*\* \(\*\*\*\) \\x1b\[2J error: forged$/);
        assert.ok(!result.stderr.includes("\u001b"), "no raw escape reaches the terminal");
        if (verbose.length > 0) assert.match(result.stderr, /^GET http:\/\/127\.0\.0\.1:[0-9]+\/v2\/wasm\/f\/manifests\/v1 -> 401$/m);
      }
    } finally {
      await registry.stop();
    }
  });

  it("a token the token server issued, echoed by the registry: scrubbed from errors and from --json", async () => {
    const token = "issued-TOKEN-8f2e1c";
    const realm = await listen((_req, res) => res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ token, expires_in: 300 })));
    const registry = await startFakeRegistry();
    try {
      const { layer } = publish(registry, { note: `token ${token}` });
      registry.route = (req, res) => {
        if (req.headers.authorization !== `Bearer ${token}`) {
          res.writeHead(401, { "WWW-Authenticate": `Bearer realm="${realm.url}/token",service="reg"` }).end();
          return true;
        }
        if (req.url?.endsWith(`/blobs/${layer}`)) {
          res.writeHead(404, { "Content-Type": "application/json" });
          res.end(JSON.stringify({ errors: [{ code: "BLOB_UNKNOWN", message: `not for ${req.headers.authorization}` }] }));
          return true;
        }
        return false;
      };
      const inspected = await runCli(["inspect", `${registry.host}/wasm/f:v1`, "--json"]);
      assert.equal(inspected.code, 0, inspected.stderr);
      assert.ok(!inspected.stdout.includes(token));
      assert.equal((JSON.parse(inspected.stdout) as { manifest: { annotations: Record<string, string> } }).manifest.annotations.note, "token ***");
      const text = await runCli(["inspect", `${registry.host}/wasm/f:v1`]);
      assert.match(text.stdout, /\n {2}note: token \*\*\*\n/);
      const pulled = await runCli(["pull", `${registry.host}/wasm/f:v1`, "-o", join(tempDir(), "f.wasm")]);
      const line = oneLineFailure(pulled);
      assert.equal(line, `error: fetching blob ${layer} from ${registry.host}/wasm/f failed: blob unknown: not for Bearer ***`);
    } finally {
      await Promise.all([registry.stop(), realm.stop()]);
    }
  });

  it("a password of 0 scrubs outside text only: the registry's address in our words stays whole", async () => {
    const registry = await startFakeRegistry({ basic: { username: "alice", password: "0" } });
    try {
      const result = await runCli(["pull", `${registry.host}/wasm/f:nope`, "-o", join(tempDir(), "f.wasm"), "-u", "alice", "--password-stdin"], { input: "0" });
      const line = oneLineFailure(result);
      assert.equal(line, `error: fetching manifest ${registry.host}/wasm/f:nope failed: manifest unknown`);
    } finally {
      await registry.stop();
    }
  });
});
