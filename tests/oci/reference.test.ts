import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatReference, isLoopbackRegistry, layoutTarget, manifestTarget, parseReference } from "../../scripts/oci/index.ts";

const DIGEST = `sha256:${"ab".repeat(32)}`;

describe("parseReference", () => {
  it("splits host, port, repository, tag and digest", () => {
    assert.deepEqual(parseReference("127.0.0.1:5000/wasm/add-header:v1"), {
      registry: "127.0.0.1:5000",
      endpoint: "127.0.0.1:5000",
      repository: "wasm/add-header",
      tag: "v1",
    });
    assert.deepEqual(parseReference(`localhost/a/b/c@${DIGEST}`), {
      registry: "localhost",
      endpoint: "localhost",
      repository: "a/b/c",
      digest: DIGEST,
    });
    const both = parseReference(`Registry.Example.com/x:1.0@${DIGEST}`);
    assert.equal(both.registry, "registry.example.com");
    assert.equal(both.tag, "1.0");
    assert.equal(manifestTarget(both), DIGEST);
  });

  it("accepts Istio's oci:// prefix and defaults the tag to latest", () => {
    const ref = parseReference("oci://ghcr.io/me/filter");
    assert.equal(ref.repository, "me/filter");
    assert.equal(manifestTarget(ref), "latest");
    assert.equal(formatReference(ref), "ghcr.io/me/filter:latest");
  });

  it("normalises Docker Hub to its API host and library/ prefix", () => {
    const ref = parseReference("docker.io/nginx:1");
    assert.equal(ref.registry, "docker.io");
    assert.equal(ref.endpoint, "registry-1.docker.io");
    assert.equal(ref.repository, "library/nginx");
  });

  for (const bad of [
    "wasm/add-header:v1", // no host: refused, never sent to Docker Hub
    "add-header",
    "127.0.0.1:5000/",
    "127.0.0.1:5000/Wasm/UPPER:v1",
    "127.0.0.1:5000/wasm/x:bad tag",
    "127.0.0.1:5000/wasm/x:-leadingdash",
    "127.0.0.1:5000/wasm/x@sha256:1234",
    "127.0.0.1:99999/wasm/x",
    "",
  ]) {
    it(`refuses ${JSON.stringify(bad)} as a usage error`, () => {
      assert.throws(
        () => parseReference(bad),
        (error: Error & { kind?: string }) => error.kind === "invalid-input" && /^malformed reference/.test(error.message),
      );
    });
  }
});

describe("what a malformed reference lacks", () => {
  it("a host alone lacks its repository; a bare name lacks its registry host", () => {
    assert.throws(() => parseReference("127.0.0.1:5000"), /: no repository \(expected/);
    assert.throws(() => parseReference("registry.example.com"), /: no repository \(expected/);
    assert.throws(() => parseReference("127.0.0.1:5000/"), /: no repository \(expected/);
    assert.throws(() => parseReference("add-header"), /: no registry host \(expected/);
    assert.throws(() => parseReference("/wasm/x"), /: no registry host \(expected/);
  });

  it("escapes control characters of the input in the message", () => {
    assert.throws(() => parseReference("127.0.0.1:5000/x:\u001b[2Jbad"), (error: Error) => !error.message.includes("\u001b") && error.message.includes("\\x1b"));
  });
});

describe("isLoopbackRegistry", () => {
  it("is true for localhost and 127.0.0.0/8 only", () => {
    assert.equal(isLoopbackRegistry("localhost:5000"), true);
    assert.equal(isLoopbackRegistry("127.0.0.1:5000"), true);
    assert.equal(isLoopbackRegistry("127.200.3.4"), true);
    assert.equal(isLoopbackRegistry("[::1]:5000"), true);
    assert.equal(isLoopbackRegistry("128.0.0.1:5000"), false);
    assert.equal(isLoopbackRegistry("127.0.0.1.nip.io"), false);
    assert.equal(isLoopbackRegistry("ghcr.io"), false);
  });
});

describe("layoutTarget", () => {
  it("takes a bare tag or digest as is and the target of a full reference", () => {
    assert.equal(layoutTarget("v1"), "v1");
    assert.equal(layoutTarget(DIGEST), DIGEST);
    assert.equal(layoutTarget(""), "latest");
    assert.equal(layoutTarget("127.0.0.1:5000/wasm/x:v2"), "v2");
  });
});
