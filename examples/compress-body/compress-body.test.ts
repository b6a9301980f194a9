// compress-body through the emulator: response bodies are compressed with the host's `compress`
// foreign function (zlib, like Envoy's) when the client accepts deflate; the plugin probes the function
// when configured and resets a response it cannot compress after announcing deflate.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { deflateSync, inflateSync } from "node:zlib";
import { ProxyWasmHost, type HostOptions, type HttpMessage } from "../../scripts/host/index.ts";

const wasm = new URL("../../build/compress-body.wasm", import.meta.url).pathname;
const TEXT = "the quick brown fox jumps over the lazy dog; ".repeat(40);

async function start(options: Partial<HostOptions> = {}): Promise<ProxyWasmHost> {
  assert.ok(existsSync(wasm), "build/compress-body.wasm is missing: run `npm run asbuild`");
  const host = await ProxyWasmHost.start({ wasm, rootId: "compress_body", ...options });
  assert.equal(host.failState, "Ok", host.failMessage);
  return host;
}

function exchange(host: ProxyWasmHost, acceptEncoding: string | null, response: HttpMessage) {
  const headers: Record<string, string> = { ":path": "/page" };
  if (acceptEncoding !== null) headers["accept-encoding"] = acceptEncoding;
  return host.http().request({ headers }).response(response).complete();
}

const PLAIN: HttpMessage = {
  headers: { ":status": "200", "content-type": "text/plain", "content-length": String(TEXT.length) },
  body: [TEXT.slice(0, 100), TEXT.slice(100)],
};

describe("compress-body", () => {
  test("compresses the whole body for a client that accepts deflate", async () => {
    const host = await start();
    const stream = exchange(host, "gzip, deflate, br", PLAIN);
    assert.equal(stream.responseHeader("content-encoding"), "deflate");
    assert.equal(stream.responseHeader("vary"), "accept-encoding");
    assert.equal(stream.responseHeader("content-length"), null, "the length changed");
    assert.ok(stream.responseBody.length < TEXT.length / 4);
    assert.equal(inflateSync(stream.responseBody).toString(), TEXT);
    assert.equal(host.failed, false);
  });

  test("leaves the response alone when the client does not accept deflate", async () => {
    const host = await start();
    for (const accept of [null, "gzip", "br;q=1.0", "deflate;q=0", "DEFLATE; q=0.000", "*;q=0"]) {
      const stream = exchange(host, accept, PLAIN);
      assert.equal(stream.responseHeader("content-encoding"), null, String(accept));
      assert.equal(stream.responseBody.toString(), TEXT, String(accept));
      assert.equal(stream.responseHeader("content-length"), String(TEXT.length));
    }
    for (const accept of ["DEFLATE", "*", "deflate;q=0.5", "gzip;q=1, deflate ;q=0.01"]) {
      assert.equal(exchange(host, accept, PLAIN).responseHeader("content-encoding"), "deflate", accept);
    }
  });

  test("leaves encoded, gRPC and body-less responses alone", async () => {
    const host = await start();
    const gzipped = exchange(host, "deflate", { headers: { ":status": "200", "content-encoding": "gzip" }, body: "\x1f\x8b..." });
    assert.equal(gzipped.responseHeader("content-encoding"), "gzip");
    assert.equal(gzipped.responseBody.toString(), "\x1f\x8b...");
    const grpc = exchange(host, "deflate", {
      headers: { ":status": "200", "content-type": "application/grpc+proto" },
      body: "msg",
      trailers: { "grpc-status": "0" },
    });
    assert.equal(grpc.responseHeader("content-encoding"), null);
    assert.equal(grpc.responseBody.toString(), "msg");
    const empty = exchange(host, "deflate", { headers: { ":status": "204" } });
    assert.equal(empty.responseHeader("content-encoding"), null);
  });

  test("a body followed by trailers is compressed when the trailers arrive", async () => {
    const host = await start();
    const stream = exchange(host, "deflate", { headers: { ":status": "200" }, body: [TEXT, TEXT], trailers: { "x-checksum": "1" } });
    assert.equal(stream.responseHeader("content-encoding"), "deflate");
    assert.equal(inflateSync(stream.responseBody).toString(), TEXT + TEXT);
    assert.deepEqual(stream.responseTrailers, [["x-checksum", "1"]]);
  });

  test("without a compress function on the host, responses pass unchanged", async () => {
    const host = await start({ foreignFunctions: { compress: () => ({ status: 1 }) } }); // NotFound
    // Logged in onConfigure: by Envoy's configuration canary, then by the worker.
    assert.deepEqual(host.logs("warn", "worker"), ["compress_body: the host has no compress function"]);
    assert.deepEqual(host.logs("warn", "canary"), host.logs("warn", "worker"));
    const stream = exchange(host, "deflate", PLAIN);
    assert.equal(stream.responseHeader("content-encoding"), null);
    assert.equal(stream.responseBody.toString(), TEXT);
  });

  test("a body it cannot compress after announcing deflate resets the response", async () => {
    const host = await start({
      // Works for the probe at configure time, fails (SerializationFailure) on real bodies.
      foreignFunctions: { compress: (args) => (args.length === 0 ? deflateSync(args) : { status: 3 }) },
    });
    const stream = exchange(host, "deflate", PLAIN);
    assert.equal(stream.resetDetails, "wasm_close_stream");
    assert.deepEqual(host.logs("error"), ["compress_body: cannot compress the response body"]);
    assert.equal(host.failed, false);
  });

  test("imports only the ABI 0.2.1 functions it uses", () => {
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(wasm)));
    assert.deepEqual(imports.map((i) => `${i.module}.${i.name}`).sort(), [
      "env.proxy_add_header_map_value",
      "env.proxy_call_foreign_function",
      "env.proxy_close_stream",
      "env.proxy_get_buffer_bytes",
      "env.proxy_get_header_map_value",
      "env.proxy_get_log_level",
      "env.proxy_get_property",
      "env.proxy_log",
      "env.proxy_remove_header_map_value",
      "env.proxy_replace_header_map_value",
      "env.proxy_set_buffer_bytes",
    ]);
  });
});
