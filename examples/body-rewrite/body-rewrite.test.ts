// body-rewrite through the emulator: buffering across chunks, content-length, UTF-8, trailers,
// compressed responses, configuration errors. Needs build/body-rewrite.wasm (npm run asbuild).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ProxyWasmHost } from "../../scripts/host/index.ts";

const WASM = "build/body-rewrite.wasm";
const ROOT_ID = "body_rewrite";

function config(...pairs: Array<[string, string]>): string {
  return JSON.stringify({ replacements: pairs.map(([from, to]) => ({ from, to })) });
}

async function start(pluginConfiguration: string): Promise<ProxyWasmHost> {
  const host = await ProxyWasmHost.start({ wasm: WASM, rootId: ROOT_ID, pluginConfiguration });
  assert.equal(host.failed, false, host.failMessage);
  return host;
}

describe("body-rewrite", () => {
  it("buffers a multi-chunk body, replaces across chunk boundaries in order, and drops content-length", async () => {
    const host = await start(config(["cat", "dog"], ["colour", "color"], ["dog's", "hound's"]));
    const s = host.http().request({ headers: { ":path": "/pets" } });
    const chunks = ["The c", "at's colour ", "is grey; ca", "t."];
    const upstream = chunks.join("");
    s.callOnResponseHeaders({ "content-type": "text/plain", "content-length": String(upstream.length) });
    assert.equal(s.responseHeader("content-length"), null);
    assert.equal(s.responseHeader("content-type"), "text/plain");
    for (const chunk of chunks.slice(0, -1)) {
      assert.equal(s.callOnResponseBody(chunk, false), 1, "Action.Pause until the end of the body");
      assert.equal(s.responseBody.length, 0, "nothing leaves before the end");
    }
    assert.equal(s.callOnResponseBody(chunks.at(-1)!, true), 0);
    assert.equal(s.responseBody.toString("utf8"), "The hound's color is grey; dog.");
    assert.equal(s.responseEnded, true);
    s.complete();
    assert.equal(host.failed, false);
  });

  it("leaves a body without matches byte for byte (content-length is still removed)", async () => {
    const host = await start(config(["cat", "dog"]));
    const body = "nothing to see here";
    const s = host.http().request().response({ headers: { "content-length": String(body.length) }, body: ["nothing ", "to see ", "here"] });
    assert.equal(s.responseBody.toString("utf8"), body);
    assert.equal(s.responseHeader("content-length"), null);
    s.complete();
  });

  it("replaces non-ASCII text, also when a character is split between chunks", async () => {
    const host = await start(config(["café", "thé"], ["🐱", "🐶"], ["für", "pour"]));
    const body = Buffer.from("Un café für 🐱 — café!", "utf8");
    const cut = body.indexOf(Buffer.from("🐱")) + 2; // inside the 4-byte emoji
    const s = host.http().request().response({ headers: { "content-type": "text/plain; charset=utf-8" }, body: [body.subarray(0, cut), body.subarray(cut)] });
    assert.deepEqual(s.responseBody, Buffer.from("Un thé pour 🐶 — thé!", "utf8"));
    s.complete();
  });

  it("rewrites a body that ends with trailers", async () => {
    const host = await start(config(["old", "new"]));
    const s = host.http().request().response({ body: ["old and ", "older"], trailers: { "x-checksum": "none" } });
    assert.equal(s.responseBody.toString("utf8"), "new and newer");
    assert.deepEqual(s.responseTrailers, [["x-checksum", "none"]]);
    s.complete();
    assert.equal(host.failed, false);
  });

  it("passes compressed bodies and header-only responses untouched", async () => {
    const host = await start(config(["cat", "dog"]));
    const gzip = host.http().request().response({ headers: { "content-encoding": "gzip", "content-length": "3" }, body: ["c", "at"] });
    assert.equal(gzip.responseBody.toString("utf8"), "cat");
    assert.equal(gzip.responseHeader("content-length"), "3");
    gzip.complete();
    const empty = host.http().request().response({ headers: { ":status": "204", "content-length": "0" } });
    assert.equal(empty.responseHeader("content-length"), "0");
    empty.complete();
  });

  it("does not touch request bodies", async () => {
    const host = await start(config(["cat", "dog"]));
    const s = host.http().request({ headers: { ":method": "POST" }, body: ["a cat", " sat"] }).response({ body: "cat" });
    assert.equal(s.requestBody.toString("utf8"), "a cat sat");
    assert.equal(s.responseBody.toString("utf8"), "dog");
    s.complete();
  });

  it("replaces like String.replaceAll, in order, on random bodies and patterns (word-at-a-time search edges)", async () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const text = (length: number) => Array.from({ length }, () => "aab c\n"[random(6)]).join("");
    for (let round = 0; round < 25; round++) {
      const pairs: Array<[string, string]> = [];
      for (let i = 0; i < 1 + random(3); i++) pairs.push([text(1 + random(4)), text(random(6))]);
      const host = await start(config(...pairs));
      for (let b = 0; b < 8; b++) {
        const body = text(random(3) === 0 ? random(12) : random(300));
        const expected = pairs.reduce((acc, [from, to]) => acc.split(from).join(to), body);
        const s = host.http().request().response({ body: body.length > 0 ? body : undefined }).complete();
        assert.equal(s.responseBody.toString("utf8"), expected, JSON.stringify({ pairs, body }));
      }
    }
  });

  it("keeps memory flat over many rewritten responses", async () => {
    const host = await start(config(["a", "bb"]));
    const chunk = "a".repeat(4096);
    const run = (n: number) => {
      for (let i = 0; i < n; i++) host.http().request().response({ body: [chunk, chunk, chunk] }).complete();
    };
    run(500); // past the first collections (the SDK collects once 16 KiB of garbage has piled up)
    const pages = host.memoryPages();
    run(1000);
    assert.equal(host.memoryPages(), pages);
    assert.ok(pages <= 2, `${pages} pages for 12 KiB bodies`);
    assert.equal(host.failed, false);
  });

  for (const [name, configuration] of [
    ["an empty configuration", ""],
    ["malformed JSON", '{"replacements": ['],
    ["no replacements", '{"replacements": []}'],
    ["replacements that is not an array", '{"replacements": {"from": "a", "to": "b"}}'],
    ["an empty from", config(["", "x"])],
    ["a missing to", '{"replacements": [{"from": "a"}]}'],
  ] as const) {
    it(`rejects ${name}`, async () => {
      const host = await ProxyWasmHost.start({ wasm: WASM, rootId: ROOT_ID, pluginConfiguration: configuration });
      assert.equal(host.failState, "ConfigureFailed");
      assert.match(host.logs("critical").join("\n"), /^body_rewrite: configuration /);
    });
  }
});
