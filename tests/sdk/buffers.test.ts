// Buffers out of phase (docs/abi.md §2.7, §1.4): a test-only filter reads and writes bodies outside their
// callbacks, writes into the middle of a body, writes read-only buffers and asks for missing ones,
// and logs each Status. Nothing may trap; each status must be what Envoy returns.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { buildFilters } from "../../scripts/build/compile.ts";
import { ProxyWasmHost } from "../../scripts/host/index.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

const FILTER = (sdk: string) => `
export * from "${sdk}/abi/exports";
import {
  Action, BufferType, HostBuffer, HttpContext, RootContext, Status, downstreamData, httpCallResponseBody, lastStatus,
  logInfo, pluginConfiguration, registerRootContext, vmConfiguration,
} from "${sdk}";

function s(status: Status): string {
  return (<i32>status).toString();
}

function read(name: string, buffer: HostBuffer): void {
  const text = buffer.getString();
  logInfo(name + " read=" + (text !== null ? "[" + text + "]" : "null") + " " + s(lastStatus()));
}

function bytes(text: string): ArrayBuffer {
  return String.UTF8.encode(text);
}

class Root extends RootContext {
  onVmStart(size: u32): bool {
    read("vm configuration in onVmStart", vmConfiguration);
    logInfo("vm configuration write=" + s(vmConfiguration.appendString("x")));
    return true;
  }
  onConfigure(size: u32): bool {
    read("plugin configuration in onConfigure", pluginConfiguration);
    logInfo("plugin configuration write=" + s(pluginConfiguration.replaceString("x")));
    return true;
  }
  createHttpContext(id: u32): HttpContext {
    return new Probe(id, this);
  }
}

class Probe extends HttpContext {
  onRequestHeaders(headerCount: u32, endOfStream: bool): Action {
    read("request body in headers", this.requestBody);
    logInfo("request body length in headers=" + this.requestBody.length().toString() + " " + s(lastStatus()));
    logInfo("request body writes in headers=" + s(this.requestBody.replaceString("x")) + " " + s(this.requestBody.appendString("x")) + " " + s(this.requestBody.prependString("x")));
    read("plugin configuration in headers", pluginConfiguration);
    read("vm configuration in headers", vmConfiguration);
    read("callout body outside its callback", httpCallResponseBody);
    read("downstream data in an HTTP stream", downstreamData);
    const unknown = new HostBuffer(<BufferType>42);
    logInfo("unknown buffer length=" + unknown.length().toString() + " " + s(lastStatus()) + " bytes=" + (unknown.getBytes() === null ? "null" : "some") + " " + s(lastStatus()));
    return Action.Continue;
  }

  onRequestBody(bodySize: u32, endOfStream: bool): Action {
    const body = this.requestBody;
    logInfo("request body middle write=" + s(body.set(1, 1, bytes("X"))) + " length=" + body.length().toString());
    logInfo("request body prepend=" + s(body.prependString("<")) + " append=" + s(body.appendString(">")));
    logInfo("request body append past the end=" + s(body.set(1000, 0, bytes("!"))));
    logInfo("request body drain 1 and prepend=" + s(body.set(0, 1, bytes("["))));
    read("request body after writes", body);
    read("part of it", new HostBuffer(BufferType.HttpRequestBody));
    const part = body.getString(1, 5);
    logInfo("slice=" + (part !== null ? part : "null") + " beyond=" + (body.getString(999, 5) === "" ? "empty" : "?") + " " + s(lastStatus()));
    return Action.Continue;
  }

  onResponseBody(bodySize: u32, endOfStream: bool): Action {
    logInfo("response body replace=" + s(this.responseBody.replaceString("rewritten")) + " length=" + this.responseBody.length().toString());
    return Action.Continue;
  }

  onLog(): void {
    read("response body in onLog", this.responseBody);
    logInfo("response body write in onLog=" + s(this.responseBody.appendString("late")));
  }
}

registerRootContext((id: u32): RootContext => new Root(id), "buffers");
`;

describe("sdk buffers: out of phase, middle writes, read-only buffers", { timeout: 120_000 }, () => {
  let dir: string;
  let wasm: string;

  before(async () => {
    mkdirSync(join(ROOT, ".tmp"), { recursive: true });
    dir = mkdtempSync(join(ROOT, ".tmp", "sdk-buffers-"));
    writeFileSync(join(dir, "buffers.ts"), FILTER(relative(dir, join(ROOT, "assembly"))));
    const [built] = await buildFilters({ root: ROOT, entries: [{ name: "buffers", entry: join(dir, "buffers.ts") }], targets: ["release"], outDir: dir });
    wasm = built!.path;
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("returns Envoy's statuses and never traps", async () => {
    const host = await ProxyWasmHost.start({ wasm, rootId: "buffers", vmConfiguration: "vm-config", pluginConfiguration: "plugin-config" });
    assert.equal(host.failed, false, host.failMessage);
    const stream = host.http().request({ headers: { ":method": "POST" }, body: "hello world" }).response({ body: "upstream body" });
    stream.complete();
    assert.equal(host.failed, false, host.failMessage);
    assert.deepEqual(host.logs("info", "worker"), [
      "vm configuration in onVmStart read=[vm-config] 0",
      "vm configuration write=2",
      "plugin configuration in onConfigure read=[plugin-config] 0",
      "plugin configuration write=2",
      // Outside its callbacks a body reads as empty (Ok) and refuses writes (BadArgument).
      "request body in headers read=[] 0",
      "request body length in headers=0 0",
      "request body writes in headers=2 2 2",
      "plugin configuration in headers read=null 1",
      "vm configuration in headers read=[vm-config] 0",
      "callout body outside its callback read=null 1",
      "downstream data in an HTTP stream read=[] 0",
      "unknown buffer length=-1 2 bytes=null 2",
      // Envoy can replace, prepend and append, not write into the middle.
      "request body middle write=2 length=11",
      "request body prepend=0 append=0",
      "request body append past the end=0",
      // set(0, n) drains n bytes, then prepends.
      "request body drain 1 and prepend=0",
      "request body after writes read=[[hello world>!] 0",
      "part of it read=[[hello world>!] 0",
      "slice=hello beyond=empty 0",
      "response body replace=0 length=9",
      "response body in onLog read=[] 0",
      "response body write in onLog=2",
    ]);
    assert.equal(stream.requestBody.toString("utf8"), "[hello world>!");
    assert.equal(stream.responseBody.toString("utf8"), "rewritten");
  });
});
