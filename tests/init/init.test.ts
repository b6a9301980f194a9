// `proxy-wasm init` for real: this package packed from the working tree (`npm pack`, which runs prepack:
// CLI + emulator bundles), a project scaffolded outside the repository with --sdk <tarball>, then what a user
// types: npm install (offline except for the tarball: its only dependency, assemblyscript, comes from the
// npm cache), npm run asbuild, npm test, proxy-wasm run. One scaffold per run; slow (npm + asc), bounded.
import assert from "node:assert/strict";
import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { scaffold } from "../../scripts/init/scaffold.ts";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const NAME = "stamp-filter";

/**
 * The environment without npm's per-run variables (npm_config_local_prefix would point npm at this repo),
 * without NODE_TEST_CONTEXT (the project's own `node --test` would report to this runner, not print), and
 * without the node_modules/.bin folders `npm run` puts on PATH: a dependency of as-pect installs an old
 * `npm` there, which does not know `npm pack --pack-destination`.
 */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^npm_/i.test(k) && k !== "INIT_CWD" && k !== "NODE_TEST_CONTEXT") env[k] = v;
  }
  env.PATH = (env.PATH ?? "").split(delimiter).filter((dir) => !/[\\/]node_modules[\\/]\.bin$/.test(dir)).join(delimiter);
  return env;
}

function sh(command: string, args: string[], cwd: string, timeoutMs = 180_000): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { cwd, env: cleanEnv(), encoding: "utf8", timeout: timeoutMs });
  if (result.error) throw result.error;
  return result;
}

function ok(result: SpawnSyncReturns<string>, what: string): SpawnSyncReturns<string> {
  assert.equal(result.status, 0, `${what} failed:\n${result.stdout}\n${result.stderr}`);
  return result;
}

describe("init: a scaffolded project installs, builds, tests and runs", { timeout: 600_000 }, () => {
  let tmp: string;
  let tarball: string;
  let project: string;

  before(() => {
    tmp = mkdtempSync(join(tmpdir(), "proxy-wasm-init-"));
    ok(sh("npm", ["pack", "--pack-destination", tmp, "--silent"], repoRoot), "npm pack");
    const packed = readdirSync(tmp).filter((f) => f.endsWith(".tgz"));
    assert.equal(packed.length, 1, `one tarball in ${tmp}: ${packed.join(", ")}`);
    tarball = join(tmp, packed[0]!);
    project = join(tmp, NAME);
  });
  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test("the tarball ships the SDK, its AssemblyScript entry, asconfig.json, the CLI and the emulator (with types)", () => {
    const list = ok(sh("tar", ["-tzf", tarball], tmp), "tar -t").stdout.split("\n");
    for (const file of ["index.ts", "assembly/index.ts", "assembly/abi/http-filter-exports.ts", "asconfig.json", "dist/cli.js", "dist/host.js", "dist/types/host/index.d.ts", "package.json"]) {
      assert.ok(list.includes(`package/${file}`), `package/${file} is packed`);
    }
    assert.ok(!list.some((f) => f.startsWith("package/scripts/") || f.startsWith("package/tests/")), "no toolchain sources or tests");
  });

  test("init --sdk <tarball> writes the project files", () => {
    const result = ok(sh(process.execPath, [join(repoRoot, "dist", "cli.js"), "init", NAME, "--sdk", tarball, "--json"], tmp), "init");
    const out = JSON.parse(result.stdout) as { dir: string; name: string; rootId: string; sdk: string; files: string[] };
    assert.deepEqual(
      { dir: out.dir, name: out.name, rootId: out.rootId, sdk: out.sdk },
      { dir: project, name: NAME, rootId: "stamp_filter", sdk: `file:${tarball}` },
    );
    assert.deepEqual(out.files.sort(), [
      ".gitignore",
      "README.md",
      "asconfig.json",
      `filters/${NAME}/index.ts`,
      `filters/${NAME}/main.ts`,
      "filters/tsconfig.json",
      "package.json",
      `test/${NAME}.test.mjs`,
    ]);
    const pkg = JSON.parse(readFileSync(join(project, "package.json"), "utf8"));
    assert.equal(pkg.devDependencies["proxy-wasm-assemblyscript"], `file:${tarball}`);
    assert.deepEqual(Object.keys(pkg.devDependencies), ["proxy-wasm-assemblyscript"], "no other dependency");
    assert.equal(pkg.scripts.asbuild, "proxy-wasm build");
    assert.deepEqual(JSON.parse(readFileSync(join(project, "asconfig.json"), "utf8")), { extends: "proxy-wasm-assemblyscript/asconfig.json" });
    const readme = readFileSync(join(project, "README.md"), "utf8");
    for (const step of ["npm install", "npm test", "proxy-wasm run", "proxy-wasm push", "proxy-wasm manifests wasmplugin"]) {
      assert.ok(readme.includes(step), `README covers ${step}`);
    }
  });

  test("npm install: only the tarball and its assemblyscript dependency (from the npm cache)", () => {
    ok(sh("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], project, 300_000), "npm install");
    const installed = readdirSync(join(project, "node_modules")).filter((n) => !n.startsWith("."));
    assert.deepEqual(installed.sort(), ["assemblyscript", "binaryen", "long", "proxy-wasm-assemblyscript"]);
  });

  test("npm run asbuild: build/<name>.wasm imports only env.proxy_* (the SDK's settings came through extends)", async () => {
    ok(sh("npm", ["run", "asbuild"], project), "npm run asbuild");
    const bytes = readFileSync(join(project, "build", `${NAME}.wasm`));
    assert.ok(existsSync(join(project, "build", `${NAME}.debug.wasm`)));
    const module = await WebAssembly.compile(bytes);
    const imports = WebAssembly.Module.imports(module);
    assert.ok(imports.length > 0);
    for (const i of imports) assert.ok(i.module === "env" && i.name.startsWith("proxy_"), `import ${i.module}.${i.name}`);
    const exports = WebAssembly.Module.exports(module).map((e) => e.name);
    for (const name of ["_initialize", "proxy_abi_version_0_2_1", "malloc", "proxy_on_memory_allocate", "proxy_on_response_headers"]) {
      assert.ok(exports.includes(name), `exports ${name}`);
    }
  });

  test("npm test: the scaffolded emulator test passes", () => {
    const result = ok(sh("npm", ["test"], project), "npm test");
    assert.match(result.stdout, /^# pass 3$/m);
    assert.match(result.stdout, /^# fail 0$/m);
  });

  test("TypeScript users get the emulator's types through proxy-wasm-assemblyscript/host", () => {
    const file = join(project, "types-check.mts");
    writeFileSync(
      file,
      `import { ProxyWasmHost, type HttpStream } from "proxy-wasm-assemblyscript/host";
const host: ProxyWasmHost = await ProxyWasmHost.start({ wasm: "build/${NAME}.wasm", rootId: "stamp_filter" });
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

  test("proxy-wasm run (the installed CLI) serves the filter in front of a local upstream", async () => {
    const { createServer } = await import("node:http");
    const upstream = createServer((_req, res) => res.end("upstream"));
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    const upstreamUrl = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
    const cli = join(project, "node_modules", ".bin", "proxy-wasm");
    const child = spawn(cli, ["run", NAME, "--upstream", upstreamUrl, "--listen", "127.0.0.1:0"], { cwd: project, env: cleanEnv() });
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
      const reply = await new Promise<{ header: unknown; body: string }>((resolve, reject) => {
        request(`${url}/stamp`, { agent: new Agent({ keepAlive: false }) }, (res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString()));
          res.on("end", () => resolve({ header: res.headers["x-hello"], body }));
        })
          .on("error", reject)
          .end();
      });
      assert.deepEqual(reply, { header: "world", body: "upstream" });
    } finally {
      child.kill("SIGTERM");
      assert.equal(await exit, 0, stderr);
      await new Promise<void>((resolve) => upstream.close(() => resolve()));
    }
    assert.match(stderr, /^\[info\] request \/stamp$/m);
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
