// The manifests library on its own (no CLI): typed options in, documents out; errors are ManifestErrors that
// name the library's options, and render with any other names (the CLI's flags) through describe().
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ManifestError } from "../../scripts/manifests/errors.ts";
import { createManifests } from "../../scripts/manifests/index.ts";
import { FILTER_WAT, compileWat, tempDir, type TempDir } from "./helpers.ts";

describe("manifests library", () => {
  let dir: TempDir;
  let wasm: string;
  before(async () => {
    dir = tempDir();
    wasm = dir.write("lib-filter.wasm", await compileWat(FILTER_WAT));
  });
  after(() => dir.remove());

  it("takes typed options and returns documents", async () => {
    const set = await createManifests("envoy", { wasm, listenPort: 10001, upstream: { host: "127.0.0.1", port: 9000 } });
    const bootstrap = set.documents[0] as any;
    assert.equal(bootstrap.static_resources.listeners[0].address.socket_address.port_value, 10001);
  });

  it("refuses with a ManifestError naming its own options, which the caller may rename", async () => {
    const error = await createManifests("envoyfilter", { wasm, selector: { app: "web" }, phase: "AUTHZ" }).then(
      () => assert.fail("accepted"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ManifestError);
    assert.equal(error.message, "phase does not apply to envoyfilter (it applies to wasmplugin)");
    assert.equal(error.describe((option) => `<${option}>`), "<phase> does not apply to envoyfilter (it applies to wasmplugin)");
    await assert.rejects(createManifests("envoyfilter", { wasm, selector: { app: "web" }, namespace: "Bad_NS" }), /^ManifestError: invalid namespace "Bad_NS"/);
  });
});
