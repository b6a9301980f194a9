/**
 * Credentials against real registries: Docker config.json in a temporary DOCKER_CONFIG (auth,
 * username/password, identitytoken), a fake credential helper on PATH (credHelpers and credsStore),
 * the token server's view of what we asked for, and wrong/missing credentials: a non-zero exit, one
 * line naming the registry, and the password nowhere in the output.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { addHeaderModule, fakeHelper, removeTempDirs, runCli, skopeo, tempDir, type ModuleFixture, type RunResult } from "./fixtures.ts";
import { startRegistry, type Registry } from "../../testkit/registry-harness.ts";

let module: ModuleFixture;
before(async () => {
  module = await addHeaderModule();
});
after(removeTempDirs);

const b64 = (s: string) => Buffer.from(s).toString("base64");

function dockerConfig(config: unknown): string {
  const dir = tempDir("oci-dockercfg-");
  writeFileSync(join(dir, "config.json"), JSON.stringify(config));
  return dir;
}

function assertOneLineFailure(result: RunResult, pattern: RegExp, secret: string): void {
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stdout, "");
  const lines = result.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line, got: ${result.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.ok(!result.stderr.includes(secret) && !result.stdout.includes(secret), "the secret is not printed");
  assert.ok(!result.stderr.includes(b64(secret)), "nor its base64");
  assert.ok(!/\n\s+at /.test(result.stderr), "no stack trace");
}

describe("htpasswd (bcrypt) Basic registry", { concurrency: true }, () => {
  let registry: Registry;
  before(async () => {
    registry = await startRegistry("basic");
  });
  after(async () => {
    await registry?.stop();
  });
  const ref = (tag: string) => `${registry.host}/wasm/creds:${tag}`;
  const pushedWith = async (tag: string): Promise<boolean> =>
    (await skopeo(["inspect", "--raw", "--tls-verify=false", `--creds=alice:${registry.password}`, `docker://${ref(tag)}`])).code === 0;

  it("wrong password: exit 1, one line naming the registry, password nowhere (also with --verbose)", async () => {
    const wrong = "Wr0ng-Secret-Pa55";
    for (const extra of [[], ["--verbose"]]) {
      const result = await runCli(["push", module.path, ref("wrong"), "--username", "alice", "--password-stdin", ...extra], { input: `${wrong}\n` });
      if (extra.length === 0) {
        assertOneLineFailure(result, new RegExp(`^error: unauthorized: wrong credentials for ${registry.host.replace(/\./g, "\\.")}$`), wrong);
      } else {
        assert.equal(result.code, 1);
        assert.ok(!result.stderr.includes(wrong) && !result.stderr.includes(b64(`alice:${wrong}`)), "verbose output has no secret");
      }
    }
    assert.equal(await pushedWith("wrong"), false);
  });

  it("no credentials at all: exit 1, says the registry needs them", async () => {
    const result = await runCli(["push", module.path, ref("anon")]);
    assertOneLineFailure(result, new RegExp(`^error: unauthorized: ${registry.host.replace(/\./g, "\\.")} requires credentials`), registry.password);
  });

  it("config.json auths: base64 auth, and username/password", async () => {
    for (const [tag, entry] of [
      ["auth", { auth: b64(`alice:${registry.password}`) }],
      ["userpass", { username: "alice", password: registry.password }],
    ] as const) {
      const DOCKER_CONFIG = dockerConfig({ auths: { [registry.host]: entry } });
      const result = await runCli(["push", module.path, ref(tag)], { env: { DOCKER_CONFIG } });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(await pushedWith(tag), true);
    }
  });

  it("config.json in ~/.docker when DOCKER_CONFIG is unset", async () => {
    const home = tempDir("oci-home-");
    const dir = join(home, ".docker");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "config.json"), JSON.stringify({ auths: { [registry.host]: { auth: b64(`alice:${registry.password}`) } } }));
    const result = await runCli(["push", module.path, ref("home")], { env: { DOCKER_CONFIG: undefined, HOME: home } });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await pushedWith("home"), true);
  });

  it("credHelpers: a fake docker-credential helper on PATH is asked for this registry", async () => {
    const bin = tempDir("oci-bin-");
    const log = fakeHelper(bin, "fake", { server: registry.host, username: "alice", secret: registry.password });
    const DOCKER_CONFIG = dockerConfig({ credHelpers: { [registry.host]: "fake" }, auths: { [registry.host]: { auth: b64("alice:stale") } } });
    const result = await runCli(["push", module.path, ref("helper")], { env: { DOCKER_CONFIG, PATH: `${bin}:${process.env.PATH}` } });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(readFileSync(log, "utf8"), `get ${registry.host}\n`);
    assert.equal(await pushedWith("helper"), true);
  });

  it("credsStore: the default helper answers for any registry", async () => {
    const bin = tempDir("oci-bin-");
    fakeHelper(bin, "store", { server: registry.host, username: "alice", secret: registry.password });
    const DOCKER_CONFIG = dockerConfig({ credsStore: "store" });
    const result = await runCli(["push", module.path, ref("store")], { env: { DOCKER_CONFIG, PATH: `${bin}:${process.env.PATH}` } });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await pushedWith("store"), true);
  });

  it("--username/--password-stdin wins over config.json", async () => {
    const DOCKER_CONFIG = dockerConfig({ auths: { [registry.host]: { auth: b64("alice:stale-password") } } });
    const result = await runCli(["push", module.path, ref("explicit"), "-u", "alice", "--password-stdin"], {
      env: { DOCKER_CONFIG },
      input: registry.password,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await pushedWith("explicit"), true);
  });

  it("a missing credential helper is one line naming it", async () => {
    const DOCKER_CONFIG = dockerConfig({ credHelpers: { [registry.host]: "nonexistent" } });
    const result = await runCli(["push", module.path, ref("nohelper")], { env: { DOCKER_CONFIG } });
    assertOneLineFailure(result, /^error: credential helper docker-credential-nonexistent not found on PATH/, registry.password);
  });
});

describe("token-auth registry", { concurrency: false }, () => {
  let registry: Registry;
  before(async () => {
    registry = await startRegistry("token");
  });
  after(async () => {
    await registry?.stop();
  });
  const ref = (tag: string) => `${registry.host}/wasm/token:${tag}`;
  const tokenRequests = () => registry.tokenServer!.requests;

  it("GETs one token per push (cached across requests) with service, pull,push scope and account", async () => {
    const before = tokenRequests().length;
    const DOCKER_CONFIG = dockerConfig({ auths: { [registry.host]: { auth: b64(`alice:${registry.password}`) } } });
    const result = await runCli(["push", module.path, ref("cfg"), "--format", "wasme"], { env: { DOCKER_CONFIG } });
    assert.equal(result.code, 0, result.stderr);
    const asked = tokenRequests().slice(before);
    assert.deepEqual(asked, [
      { method: "GET", via: "basic:alice", scopes: ["repository:wasm/token:pull,push"], account: "alice", status: 200 },
    ]);
  });

  it("identitytoken in config.json: OAuth2 POST with the refresh token", async () => {
    const before = tokenRequests().length;
    const DOCKER_CONFIG = dockerConfig({ auths: { [registry.host]: { identitytoken: registry.refreshToken } } });
    const result = await runCli(["push", module.path, ref("identity")], { env: { DOCKER_CONFIG } });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(tokenRequests().slice(before), [{ method: "POST", via: "refresh_token", scopes: ["repository:wasm/token:pull,push"], status: 200 }]);
    const raw = await skopeo(["inspect", "--raw", "--tls-verify=false", `--creds=alice:${registry.password}`, `docker://${ref("identity")}`]);
    assert.equal(raw.code, 0, raw.stderr);
  });

  it("a credential helper answering <token> leads to the OAuth2 POST too", async () => {
    const bin = tempDir("oci-bin-");
    fakeHelper(bin, "tok", { server: registry.host, username: "<token>", secret: registry.refreshToken });
    const before = tokenRequests().length;
    const DOCKER_CONFIG = dockerConfig({ credHelpers: { [registry.host]: "tok" } });
    const result = await runCli(["push", module.path, ref("helper-token")], { env: { DOCKER_CONFIG, PATH: `${bin}:${process.env.PATH}` } });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(tokenRequests().slice(before)[0]?.via, "refresh_token");
  });

  it("wrong password: exit 1, one line naming the registry, password nowhere", async () => {
    const wrong = "n0t-the-Pa55word";
    const result = await runCli(["push", module.path, ref("wrong"), "--username", "alice", "--password-stdin"], { input: wrong });
    assertOneLineFailure(result, new RegExp(`^error: unauthorized: wrong credentials for ${registry.host.replace(/\./g, "\\.")}$`), wrong);
  });

  it("anonymous: push is refused in one line, pull works with an anonymous pull token", async () => {
    const push = await runCli(["push", module.path, ref("anon")]);
    assertOneLineFailure(push, new RegExp(`^error: unauthorized: ${registry.host.replace(/\./g, "\\.")} requires credentials`), registry.password);
    const before = tokenRequests().length;
    const out = join(tempDir(), "anon.wasm");
    const pull = await runCli(["pull", ref("cfg"), "-o", out]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.deepEqual(tokenRequests().slice(before).map((r) => [r.via, r.scopes]), [["anonymous", ["repository:wasm/token:pull"]]]);
  });
});
