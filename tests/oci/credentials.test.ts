import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { dockerConfigCredentials, runCredentialHelper } from "../../scripts/oci/index.ts";
import { normaliseAuthKey } from "../../scripts/oci/credentials.ts";
import { fakeHelper, removeTempDirs, tempDir } from "./fixtures.ts";

after(removeTempDirs);

const b64 = (s: string) => Buffer.from(s).toString("base64");

function configDir(config: unknown): string {
  const dir = tempDir("oci-dockercfg-");
  writeFileSync(join(dir, "config.json"), JSON.stringify(config));
  return dir;
}

describe("docker config.json", () => {
  it("reads auths entries: auth (split at the first colon), username/password, identitytoken, registrytoken", async () => {
    const dir = configDir({
      auths: {
        "127.0.0.1:5000": { auth: b64("robot$ci:pa:ss") },
        "https://legacy.example.com/v1/": { username: "u", password: "p" },
        "acr.example.io": { identitytoken: "refresh-xyz" },
        "pre.example.com": { registrytoken: "bearer-abc" },
        "https://index.docker.io/v1/": { auth: b64("hub:pw") },
        "empty.example.com": {},
      },
    });
    const lookup = dockerConfigCredentials({ configDir: dir });
    assert.deepEqual(await lookup("127.0.0.1:5000"), { username: "robot$ci", password: "pa:ss" });
    assert.deepEqual(await lookup("legacy.example.com"), { username: "u", password: "p" });
    assert.deepEqual(await lookup("acr.example.io"), { identityToken: "refresh-xyz" });
    assert.deepEqual(await lookup("pre.example.com"), { registryToken: "bearer-abc" });
    assert.deepEqual(await lookup("docker.io"), { username: "hub", password: "pw" });
    assert.equal(await lookup("empty.example.com"), undefined);
    assert.equal(await lookup("127.0.0.1:5001"), undefined);
  });

  it("finds config.json through $DOCKER_CONFIG and tolerates its absence", async () => {
    const dir = configDir({ auths: { "r.example": { auth: b64("a:b") } } });
    assert.deepEqual(await dockerConfigCredentials({ env: { DOCKER_CONFIG: dir } })("r.example"), { username: "a", password: "b" });
    assert.equal(await dockerConfigCredentials({ env: { DOCKER_CONFIG: join(dir, "nowhere") } })("r.example"), undefined);
  });

  it("normalises legacy keys", () => {
    assert.equal(normaliseAuthKey("https://Registry.Example.com:5000/v1/"), "registry.example.com:5000");
    assert.equal(normaliseAuthKey("http://127.0.0.1:5000"), "127.0.0.1:5000");
    assert.equal(normaliseAuthKey("docker.io"), "https://index.docker.io/v1/");
  });

  it("never quotes the file when it is not JSON (it may hold secrets)", async () => {
    const dir = tempDir("oci-dockercfg-");
    writeFileSync(join(dir, "config.json"), '{"auths": {"r": {"auth": "c2VjcmV0LXZhbHVl"}} oops');
    await assert.rejects(dockerConfigCredentials({ configDir: dir })("r"), (error: Error) => {
      assert.match(error.message, /^cannot parse .*config\.json: not a JSON object$/);
      assert.ok(!error.message.includes("c2VjcmV0"));
      return true;
    });
  });

  it("asks credHelpers[host] first, then credsStore, then auths", async () => {
    const bin = tempDir("oci-bin-");
    const helperLog = fakeHelper(bin, "fake", { server: "127.0.0.1:5000", username: "alice", secret: "from-helper" });
    const storeLog = fakeHelper(bin, "store", { server: "store.example", username: "bob", secret: "from-store" });
    const env = { PATH: `${bin}:${process.env.PATH}` };
    const dir = configDir({
      credHelpers: { "127.0.0.1:5000": "fake" },
      credsStore: "store",
      auths: { "127.0.0.1:5000": { auth: b64("alice:from-auths") }, "other.example": { auth: b64("carol:from-auths") } },
    });
    const lookup = dockerConfigCredentials({ configDir: dir, env });
    assert.deepEqual(await lookup("127.0.0.1:5000"), { username: "alice", password: "from-helper" });
    assert.deepEqual(await lookup("store.example"), { username: "bob", password: "from-store" });
    assert.deepEqual(await lookup("other.example"), { username: "carol", password: "from-auths" }, "credsStore said not found");
    assert.equal(readFileSync(helperLog, "utf8"), "get 127.0.0.1:5000\n");
    assert.equal(readFileSync(storeLog, "utf8"), "get store.example\nget other.example\n");
  });

  it("maps a helper's <token> user to an identity token, and names a missing helper without secrets", async () => {
    const bin = tempDir("oci-bin-");
    fakeHelper(bin, "tok", { server: "acr.example.io", username: "<token>", secret: "refresh-from-helper" });
    const env = { PATH: `${bin}:${process.env.PATH}` };
    assert.deepEqual(await runCredentialHelper("tok", "acr.example.io", { env }), { identityToken: "refresh-from-helper" });
    assert.equal(await runCredentialHelper("tok", "elsewhere", { env }), undefined);
    await assert.rejects(runCredentialHelper("absent", "r.example", { env }), /credential helper docker-credential-absent not found on PATH \(configured for r.example\)/);
    await assert.rejects(runCredentialHelper("../evil", "r.example", { env }), /invalid credential helper name/);
  });
});
