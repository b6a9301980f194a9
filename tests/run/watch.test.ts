// run --watch: a source change rebuilds the filter (the compiler in a worker thread) and swaps the VM like
// Envoy applies a new configuration: a request in flight finishes on the old VM, new requests get the new
// one; a build error keeps the new-old VM serving and reports the compiler's message. Besides the filter's
// folder, the files it imports from elsewhere (looked up again after each build), the project's
// asconfig.json and the sources of an SDK checkout the project links to are watched.
import assert from "node:assert/strict";
import { cpSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { after, before, describe, test } from "node:test";
import { buildFilters, type BuildEntry } from "../../scripts/build/compile.ts";
import { watchFilter } from "../../scripts/run/watch.ts";
import { proxyFor, repoRoot, scratch, send, startUpstream, type Scratch, type Upstream } from "./helpers.ts";

/**
 * <folder>/main.ts: a filter (root id `name`) that adds `<header>: <VALUE>` to every response, with the SDK
 * imported from its assembly/ folder `sdk` (a relative path or through the package) and VALUE from `valueFrom`.
 */
function writeHeaderFilter(folder: string, name: string, sdk: string, header: string, valueFrom: string): BuildEntry {
  mkdirSync(folder, { recursive: true });
  writeFileSync(
    join(folder, "main.ts"),
    `export * from "${sdk}/abi/http-filter-exports";
import { Action, HttpContext, registerRootContext, RootContext } from "${sdk}";
import { VALUE } from "${valueFrom}";

class HeaderRoot extends RootContext {
  createHttpContext(contextId: u32): HttpContext {
    return new Header(contextId, this);
  }
}

class Header extends HttpContext {
  onResponseHeaders(headerCount: u32, endOfStream: bool): Action {
    this.responseHeaders.add("${header}", VALUE);
    return Action.Continue;
  }
}

registerRootContext((contextId: u32): RootContext => new HeaderRoot(contextId), "${name}");
`,
  );
  return { name, entry: join(folder, "main.ts") };
}

/** A filter that adds `x-version: <VALUE>` (from version.ts) to every response, built against this checkout. */
function writeFilter(folder: string): BuildEntry {
  const entry = writeHeaderFilter(folder, "swap", relative(folder, join(repoRoot, "assembly")).split("\\").join("/"), "x-version", "./version");
  writeFileSync(join(folder, "version.ts"), `export const VALUE = "v1";\n`);
  return entry;
}

async function until(what: string, condition: () => boolean, timeoutMs = 90_000): Promise<void> {
  for (let waited = 0; !condition(); waited += 50) {
    assert.ok(waited < timeoutMs, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("run --watch", { timeout: 240_000 }, () => {
  let dir: Scratch;
  let upstream: Upstream;
  let release: () => void = () => undefined;
  before(async () => {
    dir = scratch("run-watch");
    upstream = await startUpstream((req, _body, res) => {
      const answer = () => {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end(`answered ${req.url}`);
      };
      if (req.url === "/slow") {
        release = () => {
          release = () => undefined;
          answer();
        };
      } else {
        answer();
      }
    });
  });
  after(async () => {
    release();
    await upstream.close();
    dir.remove();
  });

  test("a source change swaps the VM with a request in flight; a build error keeps the VM serving", async () => {
    const folder = join(dir.dir, "filters", "swap");
    const entry = writeFilter(folder);
    const [built] = await buildFilters({ root: repoRoot, entries: [entry], targets: ["debug"], outDir: dir.dir });
    const proxy = await proxyFor(upstream, { wasm: built!.path, rootId: "swap" });
    const lines: string[] = [];
    const watcher = watchFilter({
      build: { root: repoRoot, entry, target: "debug", outDir: dir.dir },
      wasmPath: built!.path,
      proxy,
      report: (line) => lines.push(line),
      settleMs: 100,
    });
    try {
      assert.equal((await send(proxy.url, { path: "/before" })).headers["x-version"], "v1");
      const first = proxy.vm.number;
      const inFlight = send(proxy.url, { path: "/slow" });
      await until("the request in flight to reach the upstream", () => upstream.seen.some((r) => r.url === "/slow"));

      writeFileSync(join(folder, "version.ts"), `export const VALUE = "v2";\n`);
      await until("the reload", () => lines.some((l) => l.includes("reloaded")));
      assert.match(lines.find((l) => l.includes("reloaded"))!, new RegExp(`^\\[watch\\] swap: reloaded \\(\\d+ bytes\\): new requests go to VM ${first + 1}, requests in flight finish on VM ${first}$`));
      assert.equal((await send(proxy.url, { path: "/after" })).headers["x-version"], "v2", "a new request gets the new VM");

      release();
      const slow = await inFlight;
      assert.equal(slow.status, 200);
      assert.equal(slow.headers["x-version"], "v1", "the request in flight finished on the old VM");

      writeFileSync(join(folder, "version.ts"), `export const VALUE: string = ;\n`);
      await until("the failed build", () => lines.some((l) => l.includes("the build failed")));
      assert.ok(lines.includes(`[watch] swap: the build failed; VM ${first + 1} keeps serving:`), lines.join("\n"));
      assert.ok(lines.some((l) => /^\[watch\] {3}.*(ERROR|error)/.test(l)), `the compiler's message:\n${lines.join("\n")}`);
      assert.equal((await send(proxy.url, { path: "/still" })).headers["x-version"], "v2");
      assert.equal(proxy.vm.number, first + 1);
    } finally {
      await watcher.close();
      await proxy.close();
    }
    assert.deepEqual(proxy.lines.filter((l) => l.startsWith("[proxy]")), [], "no proxy error, the old VM shut down cleanly");
  });

  test("a module the filter imports from a parent folder: its change reloads; an import added later is watched too", async () => {
    const shared = join(dir.dir, "filters", "common");
    mkdirSync(shared, { recursive: true });
    writeFileSync(join(shared, "version.ts"), `export const VALUE = "shared-1";\n`);
    writeFileSync(join(shared, "other.ts"), `export const VALUE = "other-1";\n`);
    const folder = join(dir.dir, "filters", "graph");
    const sdk = relative(folder, join(repoRoot, "assembly")).split("\\").join("/");
    const entry = writeHeaderFilter(folder, "graph", sdk, "x-version", "../common/version");
    const [built] = await buildFilters({ root: repoRoot, entries: [entry], targets: ["debug"], outDir: dir.dir });
    const proxy = await proxyFor(upstream, { wasm: built!.path, rootId: "graph" });
    const lines: string[] = [];
    const watcher = watchFilter({ build: { root: repoRoot, entry, target: "debug", outDir: dir.dir }, wasmPath: built!.path, proxy, report: (line) => lines.push(line), settleMs: 100 });
    const reloads = () => lines.filter((l) => l.includes("reloaded")).length;
    try {
      assert.ok(watcher.watching.files.includes(join(shared, "version.ts")), watcher.watching.files.join("\n"));
      assert.ok(!watcher.watching.files.includes(join(shared, "other.ts")), "not imported (yet)");
      assert.equal((await send(proxy.url, { path: "/before" })).headers["x-version"], "shared-1");

      writeFileSync(join(shared, "version.ts"), `export const VALUE = "shared-2";\n`);
      await until("the reload after the shared module changed", () => reloads() === 1);
      assert.equal((await send(proxy.url, { path: "/shared" })).headers["x-version"], "shared-2", "new streams get the new VM");

      // The entry now imports other.ts instead: after that rebuild, other.ts is watched, version.ts no more.
      writeHeaderFilter(folder, "graph", sdk, "x-version", "../common/other");
      await until("the reload after the entry changed", () => reloads() === 2);
      assert.equal((await send(proxy.url, { path: "/other" })).headers["x-version"], "other-1");
      assert.ok(lines.some((l) => l.startsWith("[watch] graph: now also watching ") && l.endsWith("other.ts")), lines.join("\n"));
      assert.ok(!watcher.watching.files.includes(join(shared, "version.ts")));
      writeFileSync(join(shared, "other.ts"), `export const VALUE = "other-2";\n`);
      await until("the reload after the newly imported module changed", () => reloads() === 3);
      assert.equal((await send(proxy.url, { path: "/other-2" })).headers["x-version"], "other-2");
    } finally {
      await watcher.close();
      await proxy.close();
    }
  });

  test("a project linked to an SDK checkout: a change in the SDK's sources or in asconfig.json rebuilds too", async () => {
    const checkout = join(dir.dir, "sdk");
    for (const part of ["package.json", "asconfig.json", "index.ts", "assembly"]) cpSync(join(repoRoot, part), join(checkout, part), { recursive: true });
    writeFileSync(join(checkout, "assembly", "flavour.ts"), `export const VALUE = "sdk-1";\n`);
    const project = join(dir.dir, "project");
    mkdirSync(join(project, "node_modules"), { recursive: true });
    symlinkSync(checkout, join(project, "node_modules", "proxy-wasm-assemblyscript"));
    writeFileSync(join(project, "asconfig.json"), `{ "extends": "proxy-wasm-assemblyscript/asconfig.json" }\n`);
    const entry = writeHeaderFilter(join(project, "filters", "flavour"), "flavour", "proxy-wasm-assemblyscript/assembly", "x-flavour", "proxy-wasm-assemblyscript/assembly/flavour");
    const folder = dirname(entry.entry);
    const outDir = join(project, "build");
    // The compiler reads the sources relative to the working directory, which is the project's for `run`.
    const cwd = process.cwd();
    process.chdir(project);
    after(() => process.chdir(cwd));
    const [built] = await buildFilters({ root: project, entries: [entry], targets: ["debug"], outDir });
    const proxy = await proxyFor(upstream, { wasm: built!.path, rootId: "flavour" });
    const lines: string[] = [];
    const watcher = watchFilter({ build: { root: project, entry, target: "debug", outDir }, wasmPath: built!.path, proxy, report: (line) => lines.push(line), settleMs: 100 });
    const reloads = () => lines.filter((l) => l.includes("reloaded")).length;
    try {
      assert.deepEqual(watcher.watching.folders, [folder, realpathSync(join(checkout, "assembly"))]);
      assert.equal((await send(proxy.url, { path: "/before" })).headers["x-flavour"], "sdk-1");

      writeFileSync(join(checkout, "assembly", "flavour.ts"), `export const VALUE = "sdk-2";\n`);
      await until("the reload after the SDK changed", () => reloads() === 1);
      assert.equal((await send(proxy.url, { path: "/sdk" })).headers["x-flavour"], "sdk-2");

      writeFileSync(join(project, "asconfig.json"), `{ "extends": "proxy-wasm-assemblyscript/asconfig.json", "options": {} }\n`);
      await until("the reload after asconfig.json changed", () => reloads() === 2);
      assert.ok(lines.filter((l) => l === "[watch] flavour: sources changed, rebuilding").length >= 2, lines.join("\n"));
    } finally {
      await watcher.close();
      await proxy.close();
    }
  });
});
