// The package as users get it, outside this repository: packed from the working tree (`npm pack`, whose
// prepack builds the CLI, the emulator and the examples' modules), its file list checked, then the
// commands of the README's "Use it in your own project" run as written in empty directories, for a tarball
// and for a git checkout: init, npm install, npm test, npm run asbuild, --version, the examples by name
// (build, run, push), importing an example into one's own filter, tsc on the scaffolded sources. npm
// installs only the tarball and assemblyscript (from the npm cache when it can). Slow (npm + asc), bounded.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, createServer, request } from "node:http";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { after, before, describe, test } from "node:test";
import { scaffold } from "../../scripts/init/scaffold.ts";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");
const { version } = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string };
const TARBALL = `proxy-wasm-assemblyscript-${version}.tgz`;
const readme = readFileSync(join(repoRoot, "README.md"), "utf8");

/**
 * The environment without npm's per-run variables (npm_config_local_prefix would point npm at this repo),
 * without NODE_TEST_CONTEXT (the project's own `node --test` would report to this runner, not print), and
 * without the node_modules/.bin folders `npm run` puts on PATH: a dependency of as-pect installs an old
 * `npm` there, which does not know `npm pack --pack-destination`. npm prefers its cache and stays quiet.
 */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^npm_/i.test(k) && k !== "INIT_CWD" && k !== "NODE_TEST_CONTEXT") env[k] = v;
  }
  env.PATH = (env.PATH ?? "").split(delimiter).filter((dir) => !/[\\/]node_modules[\\/]\.bin$/.test(dir)).join(delimiter);
  Object.assign(env, { npm_config_prefer_offline: "true", npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false", npm_config_loglevel: "error" }, extra);
  return env;
}

function sh(command: string, args: string[], cwd: string, timeoutMs = 180_000, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, env: cleanEnv(env), encoding: "utf8", timeout: timeoutMs });
  if (result.error) throw result.error;
  return result;
}

/**
 * A documented command line, run as written (split on spaces: the README's commands have no quoting), with
 * the README's placeholder `/path/to` standing for `pathTo`.
 */
function documented(line: string, cwd: string, env: NodeJS.ProcessEnv = {}, pathTo = "/path/to"): SpawnSyncReturns<string> {
  assert.ok(readme.includes(line), `the README documents \`${line}\``);
  const [command, ...args] = line.replaceAll("/path/to", pathTo).split(" ");
  return ok(sh(command!, args, cwd, 300_000, env), line);
}

function ok(result: SpawnSyncReturns<string>, what: string): SpawnSyncReturns<string> {
  assert.equal(result.status, 0, `${what} failed:\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** The npx cache folders that installed something from `dir` (removed after the test). */
function npxInstallsFrom(dir: string): string[] {
  const cache = sh("npm", ["config", "get", "cache"], repoRoot).stdout.trim();
  const npx = join(cache, "_npx");
  if (!existsSync(npx)) return [];
  return readdirSync(npx)
    .map((name) => join(npx, name))
    .filter((d) => existsSync(join(d, "package.json")) && readFileSync(join(d, "package.json"), "utf8").includes(dir));
}

/** `proxy-wasm run …` in the project until "listening on", one GET through it, then SIGTERM (exit 0). */
async function throughProxy(project: string, args: string[], path: string) {
  const upstream = createServer((_req, res) => res.end("upstream"));
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
  const cli = join(project, "node_modules", ".bin", "proxy-wasm");
  const child = spawn(cli, ["run", ...args, "--upstream", upstreamUrl, "--listen", "127.0.0.1:0"], { cwd: project, env: cleanEnv() });
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`no "listening on": ${stderr}`)), 15_000);
      child.stdout.on("data", (c: Buffer) => {
        out += c.toString();
        const m = /listening on (\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    const reply = await new Promise<{ headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      request(`${url}${path}`, { agent: new Agent({ keepAlive: false }), headers: { "user-agent": "init-test/1" } }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve({ headers: res.headers, body }));
      })
        .on("error", reject)
        .end();
    });
    return { reply, stderr: () => stderr };
  } finally {
    child.kill("SIGTERM");
    assert.equal(await exit, 0, stderr);
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  }
}

/** tests/init/fake-registry.mjs in a child process until `stop()`: serves the tarball as this package. */
async function startRegistry(tarball: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [join(repoRoot, "tests", "init", "fake-registry.mjs"), join(repoRoot, "package.json"), tarball]);
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("the registry did not start")), 15_000);
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /listening (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  return {
    url,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

describe("the package outside the repository: tarball, git checkout, registry", { timeout: 600_000 }, () => {
  let tmp: string;
  let work: string;
  let tarball: string;
  let project: string;

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), "proxy-wasm-package-"));
    work = join(tmp, "work");
    mkdirSync(work);
    ok(sh("npm", ["pack", "--pack-destination", work, "--silent"], repoRoot), "npm pack");
    assert.deepEqual(readdirSync(work), [TARBALL]);
    tarball = join(work, TARBALL);
    project = join(work, "my-filter");
  });
  after(() => {
    if (!tmp) return;
    for (const dir of npxInstallsFrom(tmp)) rmSync(dir, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  });

  test("the tarball ships the SDK, the CLI, the emulator, the examples' modules and every document the README links to; no tests", () => {
    const list = ok(sh("tar", ["-tzf", tarball], tmp), "tar -t")
      .stdout.split("\n")
      .filter((f) => f.length > 0)
      .map((f) => f.replace(/^package\//, ""));
    const shipped = new Set(list);
    const required = ["index.ts", "assembly/index.ts", "assembly/abi/http-filter-exports.ts", "asconfig.json", "package.json", "bin/proxy-wasm.mjs"];
    required.push("dist/cli.js", "dist/host.js", "dist/types/host/index.d.ts", "README.md", "scripts/host/README.md", "scripts/oci/README.md");
    required.push("docs/abi.md", "docs/oci.md", "docs/migrating-from-proxy-runtime.md");
    for (const name of readdirSync(join(repoRoot, "examples"))) {
      required.push(`examples/${name}/main.ts`, `examples/${name}/index.ts`, `examples/${name}/README.md`, `dist/examples/${name}.wasm`);
    }
    for (const file of required) assert.ok(shipped.has(file), `${file} is packed`);
    assert.deepEqual(list.filter((f) => /\.test\.[cm]?[jt]s$/.test(f) || f.startsWith("tests/")), [], "no tests (they need the repository)");
    assert.deepEqual(list.filter((f) => f.startsWith("scripts/") && !f.endsWith("/README.md")), [], "no toolchain sources (dist/ has them bundled), only their documentation");
    // Every relative link and import in what ships resolves inside the package.
    for (const file of list.filter((f) => f.endsWith(".md"))) {
      const text = readFileSync(join(repoRoot, file), "utf8");
      for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        const linked = join(dirname(file), target!).replace(/\/$/, "");
        assert.ok(shipped.has(linked) || list.some((f) => f.startsWith(`${linked}/`)), `${file} links to ${target}, which is packed`);
      }
    }
    const unpacked = join(tmp, "unpacked");
    mkdirSync(unpacked);
    ok(sh("tar", ["-xzf", tarball, "-C", unpacked], tmp), "tar -x");
    for (const file of list.filter((f) => f.startsWith("dist/types/") && f.endsWith(".d.ts"))) {
      const text = readFileSync(join(unpacked, "package", file), "utf8");
      for (const [, from] of text.matchAll(/from "(\.[^"]+)\.js"/g)) {
        assert.ok(shipped.has(`${join(dirname(file), from!)}.d.ts`), `${file} imports ${from}.js, whose declarations are packed`);
      }
    }
    for (const file of list.filter((f) => f.startsWith("examples/") && f.endsWith(".ts"))) {
      for (const [, from] of readFileSync(join(repoRoot, file), "utf8").matchAll(/from "(\.[^"]+)"/g)) {
        const target = join(dirname(file), from!);
        assert.ok(shipped.has(`${target}.ts`) || shipped.has(`${target}/index.ts`), `${file} imports ${from}, which is packed`);
      }
    }
  });

  test("tarball: init in an empty directory with the documented npx command depends on that tarball", () => {
    const result = documented(`npx --yes --package /path/to/${TARBALL} proxy-wasm init my-filter`, work, {}, work);
    assert.match(result.stdout, new RegExp(`^Created my-filter: filter my-filter \\(root id my_filter\\), proxy-wasm-assemblyscript@file:${tarball.replace(/[.]/g, "\\.")}$`, "m"));
    assert.match(result.stdout, /^Next: cd my-filter && npm install && npm test$/m);
    const pkg = JSON.parse(readFileSync(join(project, "package.json"), "utf8"));
    assert.deepEqual(pkg.devDependencies, { "proxy-wasm-assemblyscript": `file:${tarball}` }, "no other dependency");
    assert.equal(pkg.scripts.asbuild, "proxy-wasm build");
    assert.deepEqual(JSON.parse(readFileSync(join(project, "asconfig.json"), "utf8")), { extends: "proxy-wasm-assemblyscript/asconfig.json" });
    const projectReadme = readFileSync(join(project, "README.md"), "utf8");
    for (const step of ["npm install", "npm test", "proxy-wasm run", "proxy-wasm push", "proxy-wasm manifests wasmplugin", "examples/add-header"]) {
      assert.ok(projectReadme.includes(step), `the project's README covers ${step}`);
    }
  });

  test("tarball: npm install, npm test and npm run asbuild pass; build/my-filter.wasm imports only env.proxy_*", async () => {
    documented("npm install", project);
    const installed = readdirSync(join(project, "node_modules")).filter((n) => !n.startsWith("."));
    assert.deepEqual(installed.sort(), ["assemblyscript", "binaryen", "long", "proxy-wasm-assemblyscript"]);
    const tested = documented("npm test", project);
    assert.match(tested.stdout, /^# pass 3$/m);
    assert.match(tested.stdout, /^# fail 0$/m);
    documented("npm run asbuild", project);
    assert.ok(existsSync(join(project, "build", "my-filter.debug.wasm")));
    const module = await WebAssembly.compile(readFileSync(join(project, "build", "my-filter.wasm")));
    const imports = WebAssembly.Module.imports(module);
    assert.ok(imports.length > 0);
    for (const i of imports) assert.ok(i.module === "env" && i.name.startsWith("proxy_"), `import ${i.module}.${i.name}`);
    const exports = WebAssembly.Module.exports(module).map((e) => e.name);
    for (const name of ["_initialize", "proxy_abi_version_0_2_1", "malloc", "proxy_on_memory_allocate", "proxy_on_response_headers"]) {
      assert.ok(exports.includes(name), `exports ${name}`);
    }
  });

  test("tarball: npx proxy-wasm --version in the project", () => {
    assert.equal(documented("npx proxy-wasm --version", project).stdout, `${version}\n`);
  });

  test("by name: build add-header compiles the package's example into the project's build/ (and says so)", () => {
    const result = ok(sh("npx", ["proxy-wasm", "build", "add-header", "--target", "release"], project), "build add-header");
    assert.equal(result.stderr, "add-header: the example that ships with proxy-wasm-assemblyscript (node_modules/proxy-wasm-assemblyscript/examples/add-header/main.ts)\n");
    const built = readFileSync(join(project, "build", "add-header.wasm"));
    assert.deepEqual(built, readFileSync(join(project, "node_modules", "proxy-wasm-assemblyscript", "dist", "examples", "add-header.wasm")), "the same module the package ships");
  });

  test("by name: run uses the package's prebuilt example when the project has none of that name; the scaffolded filter runs too", async () => {
    const logger = await throughProxy(project, ["user-agent-logger"], "/ua");
    assert.equal(logger.reply.body, "upstream");
    assert.match(logger.stderr(), /^user-agent-logger: the example that ships with proxy-wasm-assemblyscript \(node_modules\/proxy-wasm-assemblyscript\/dist\/examples\/user-agent-logger\.wasm\)$/m);
    assert.match(logger.stderr(), /^\[info\] User-Agent: init-test\/1$/m);
    const own = await throughProxy(project, ["my-filter"], "/stamp");
    assert.deepEqual({ header: own.reply.headers["x-hello"], body: own.reply.body }, { header: "world", body: "upstream" });
    assert.match(own.stderr(), /^\[info\] request \/stamp$/m);
    assert.doesNotMatch(own.stderr(), /ships with/);
  });

  test("by name: push metrics writes the package's example to an OCI layout (no registry needed)", () => {
    const result = ok(sh("npx", ["proxy-wasm", "push", "metrics"], project), "push metrics");
    assert.match(result.stderr, /^metrics: the example that ships with proxy-wasm-assemblyscript \(node_modules\/proxy-wasm-assemblyscript\/dist\/examples\/metrics\.wasm\)$/m);
    assert.match(result.stdout, /sha256:[0-9a-f]{64}/);
    assert.ok(existsSync(join(project, "build", "oci", "index.json")));
  });

  test("importing an example: AddHeaderRoot registered under one's own root id in filters/team-header", async () => {
    mkdirSync(join(project, "filters", "team-header"));
    writeFileSync(
      join(project, "filters", "team-header", "main.ts"),
      `export * from "proxy-wasm-assemblyscript/assembly/abi/http-filter-exports";
import { registerRootContext, RootContext } from "proxy-wasm-assemblyscript";
import { AddHeaderRoot } from "proxy-wasm-assemblyscript/examples/add-header";

registerRootContext((contextId: u32): RootContext => new AddHeaderRoot(contextId), "team_header");
`,
    );
    ok(sh("npx", ["proxy-wasm", "build", "team-header", "--target", "release"], project), "build team-header");
    const hostModule = join(project, "node_modules", "proxy-wasm-assemblyscript", "dist", "host.js");
    const { ProxyWasmHost } = (await import(pathToFileURL(hostModule).href)) as typeof import("../../scripts/host/index.ts");
    const host = await ProxyWasmHost.start({ wasm: join(project, "build", "team-header.wasm"), rootId: "team_header", pluginConfiguration: '{"name":"x-team","value":"payments"}' });
    assert.equal(host.failState, "Ok", host.failMessage);
    const stream = host.http().request({ headers: { ":path": "/" } }).response({ headers: { ":status": "200" } }).complete();
    assert.equal(stream.responseHeader("x-team"), "payments");
  });

  test("editors: tsc type-checks the scaffolded filters (and the imported example) against AssemblyScript's types", () => {
    assert.deepEqual(JSON.parse(readFileSync(join(project, "filters", "tsconfig.json"), "utf8")).extends, "assemblyscript/std/assembly.json");
    const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
    const result = sh(process.execPath, [tsc, "--noEmit", "-p", join("filters", "tsconfig.json")], project);
    assert.equal(result.status, 0, `tsc:\n${result.stdout}${result.stderr}`);
  });

  test("TypeScript users get the emulator's types through proxy-wasm-assemblyscript/host", () => {
    const file = join(project, "types-check.mts");
    writeFileSync(
      file,
      `import { ProxyWasmHost, type HttpStream } from "proxy-wasm-assemblyscript/host";
const host: ProxyWasmHost = await ProxyWasmHost.start({ wasm: "build/my-filter.wasm", rootId: "my_filter" });
const stream: HttpStream = host.http().request({ headers: { ":path": "/" } });
const value: string | null = stream.responseHeader("x-hello");
// @ts-expect-error: not a host option
await ProxyWasmHost.start({ wasm: "x", notAnOption: true });
export { value };
`,
    );
    try {
      const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
      const args = [tsc, "--noEmit", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "--strict"];
      args.push("--types", "node", "--typeRoots", join(repoRoot, "node_modules", "@types"), file);
      ok(sh(process.execPath, args, project), "tsc");
    } finally {
      rmSync(file);
    }
  });

  test("git checkout: npx proxy-wasm init in the checkout depends on the checkout; npm install, npm test, npm run asbuild pass", () => {
    // As documented, with the project in the scratch folder instead of next to the checkout.
    assert.ok(readme.includes("npx proxy-wasm init ../my-filter"), "the README documents init from a checkout");
    const fromCheckout = join(tmp, "from-checkout");
    const result = ok(sh("npx", ["proxy-wasm", "init", fromCheckout], repoRoot), "npx proxy-wasm init (checkout)");
    assert.match(result.stdout, new RegExp(`proxy-wasm-assemblyscript@file:${repoRoot.replace(/[.]/g, "\\.")}$`, "m"));
    assert.deepEqual(JSON.parse(readFileSync(join(fromCheckout, "package.json"), "utf8")).devDependencies, { "proxy-wasm-assemblyscript": `file:${repoRoot}` });
    ok(sh("npm", ["install"], fromCheckout), "npm install (checkout)");
    assert.match(ok(sh("npm", ["test"], fromCheckout), "npm test (checkout)").stdout, /^# pass 3$/m);
    ok(sh("npm", ["run", "asbuild"], fromCheckout), "npm run asbuild (checkout)");
    assert.ok(existsSync(join(fromCheckout, "build", "from-checkout.wasm")));
  });

  test("registry: npx proxy-wasm-assemblyscript init depends on ^version; npm install, npm test, npm run asbuild pass", async () => {
    const registry = await startRegistry(tarball);
    // The documented commands, with npm pointed at the registry above, no prompt from npx, and a cache of
    // this test's own: npx keeps one install per package name in the cache, which another run (or an
    // earlier one, from another registry) would share. assemblyscript and its dependencies are downloaded.
    const env = { npm_config_registry: registry.url, npm_config_yes: "true", npm_config_cache: join(tmp, "npm-cache") };
    try {
      const dir = join(tmp, "registry");
      mkdirSync(dir);
      const result = documented("npx proxy-wasm-assemblyscript init my-filter", dir, env);
      assert.match(result.stdout, new RegExp(`proxy-wasm-assemblyscript@\\^${version.replace(/[.]/g, "\\.")}$`, "m"));
      const fromRegistry = join(dir, "my-filter");
      assert.deepEqual(JSON.parse(readFileSync(join(fromRegistry, "package.json"), "utf8")).devDependencies, { "proxy-wasm-assemblyscript": `^${version}` });
      documented("npm install", fromRegistry, env);
      const lock = JSON.parse(readFileSync(join(fromRegistry, "package-lock.json"), "utf8"));
      const integrity = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
      assert.equal(lock.packages["node_modules/proxy-wasm-assemblyscript"].integrity, integrity, "installed the packed tarball");
      assert.match(documented("npm test", fromRegistry, env).stdout, /^# pass 3$/m);
      documented("npm run asbuild", fromRegistry, env);
      assert.ok(existsSync(join(fromRegistry, "build", "my-filter.wasm")));
    } finally {
      await registry.stop();
    }
  });
});

describe("init: refusals and naming", () => {
  let tmp: string;
  before(() => (tmp = mkdtempSync(join(tmpdir(), "proxy-wasm-init-unit-"))));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test("the filter is named after the directory; the root id uses underscores; the SDK range is ^version", () => {
    const r = scaffold({ dir: "My Cool_Filter", version: "1.2.3", cwd: tmp });
    assert.equal(r.spec.filter, "my-cool-filter");
    assert.equal(r.spec.rootId, "my_cool_filter");
    assert.equal(r.spec.sdkSpec, "^1.2.3");
    assert.ok(existsSync(join(tmp, "My Cool_Filter", "filters", "my-cool-filter", "main.ts")));
  });

  test("a non-empty directory is refused unless --force; --force rewrites only the scaffold's files", () => {
    const dir = join(tmp, "busy");
    mkdirSync(dir);
    writeFileSync(join(dir, "notes.txt"), "keep me");
    assert.throws(() => scaffold({ dir, version: "0.1.0" }), /busy is not empty \(use --force/);
    scaffold({ dir, version: "0.1.0", force: true, name: "busy" });
    assert.equal(readFileSync(join(dir, "notes.txt"), "utf8"), "keep me");
    assert.ok(existsSync(join(dir, "test", "busy.test.mjs")));
  });

  test("bad names and missing --sdk paths are usage errors", () => {
    assert.throws(() => scaffold({ dir: join(tmp, "a"), name: "Bad Name", version: "0.1.0" }), /is not a filter name/);
    assert.throws(() => scaffold({ dir: join(tmp, "b"), sdk: "./missing.tgz", version: "0.1.0" }), /--sdk: \.\/missing\.tgz: no such file/);
    assert.equal(scaffold({ dir: join(tmp, "c"), sdk: "^2.0.0", version: "0.1.0" }).spec.sdkSpec, "^2.0.0");
    assert.equal(scaffold({ dir: join(tmp, "9lives"), version: "0.1.0" }).spec.filter, "filter-9lives");
  });
});
