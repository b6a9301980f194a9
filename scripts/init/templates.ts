/**
 * The files `proxy-wasm init` writes, as string builders (bundled into the CLI, nothing to ship besides).
 * A scaffolded project builds with this package's CLI (`proxy-wasm build`), compiles against its SDK
 * (asc resolves "proxy-wasm-assemblyscript" to the installed package's index.ts), inherits its compiler
 * settings (asconfig.json "extends"), and tests the built module in its emulator
 * ("proxy-wasm-assemblyscript/host", plain JavaScript under node:test, no other dependency).
 */

export interface ProjectSpec {
  /** npm package name of the new project. */
  packageName: string;
  /** The filter's folder and module name: filters/<filter>/ → build/<filter>.wasm. */
  filter: string;
  /** Envoy root id: the filter name with '-' → '_'. */
  rootId: string;
  /** Dependency spec of this package: "^0.1.0", "file:/path/to/sdk.tgz", ... */
  sdkSpec: string;
}

import { SDK_PACKAGE } from "../sdk-package.ts";

export { SDK_PACKAGE };

export function packageJson(p: ProjectSpec): string {
  const json = {
    name: p.packageName,
    version: "0.1.0",
    private: true,
    type: "module",
    description: `${p.filter}: a Proxy-Wasm HTTP filter for Envoy and Istio, written in AssemblyScript`,
    scripts: {
      asbuild: "proxy-wasm build",
      test: "proxy-wasm build --target release && node --test",
      start: `proxy-wasm run ${p.filter} --upstream http://127.0.0.1:3000`,
      push: `proxy-wasm push ${p.filter}`,
      manifests: "proxy-wasm manifests",
    },
    devDependencies: {
      [SDK_PACKAGE]: p.sdkSpec,
    },
  };
  return JSON.stringify(json, null, 2) + "\n";
}

export function asconfigJson(): string {
  // asc resolves "extends" with Node's resolution from this folder: the SDK's compiler settings
  // (runtime minimal, exportStart _initialize, abort=proxyWasmAbort, release/debug targets).
  return JSON.stringify({ extends: `${SDK_PACKAGE}/asconfig.json` }, null, 2) + "\n";
}

export function filterIndex(p: ProjectSpec): string {
  return `// ${p.filter}: adds one header to every response and logs each request's path at INFO.
//   empty configuration                          -> x-hello: world
//   {"header": "x-team", "value": "payments"}    -> x-team: payments
//   anything else                                -> configuration rejected (Envoy refuses the plugin)
// Importing this file registers nothing; main.ts is the build entry.
import { Action, HttpContext, lastJsonError, logCritical, logInfo, parseJsonObject, RootContext } from "${SDK_PACKAGE}";

export const ROOT_ID = "${p.rootId}";

export class FilterRoot extends RootContext {
  header: string = "x-hello";
  value: string = "world";

  onConfigure(pluginConfigurationSize: u32): bool {
    const text = this.getPluginConfiguration();
    if (text === null || text.length == 0) return true;
    const json = parseJsonObject(text);
    if (json === null) return this.reject("is not a JSON object: " + lastJsonError());
    const header = json.getString("header");
    const value = json.getString("value");
    if (header === null || header.length == 0 || value === null) return this.reject("needs string members \\"header\\" and \\"value\\"");
    this.header = header;
    this.value = value;
    return true;
  }

  createHttpContext(contextId: u32): HttpContext {
    return new Filter(contextId, this);
  }

  private reject(problem: string): bool {
    logCritical("${p.rootId}: configuration " + problem);
    return false;
  }
}

export class Filter extends HttpContext {
  constructor(id: u32, readonly settings: FilterRoot) {
    super(id, settings);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): Action {
    const path = this.requestHeaders.get(":path");
    logInfo("request " + (path !== null ? path : "-"));
    return Action.Continue;
  }

  onResponseHeaders(headerCount: u32, endOfStream: bool): Action {
    this.responseHeaders.add(this.settings.header, this.settings.value);
    return Action.Continue;
  }
}
`;
}

export function filterMain(p: ProjectSpec): string {
  return `// Build entry (\`proxy-wasm build\` → build/${p.filter}.wasm): exports the Proxy-Wasm callbacks Envoy calls
// and registers the root context under its root id.
export * from "${SDK_PACKAGE}/assembly/abi/http-filter-exports";
import { registerRootContext, RootContext } from "${SDK_PACKAGE}";
import { FilterRoot, ROOT_ID } from "./index";

registerRootContext((contextId: u32): RootContext => new FilterRoot(contextId), ROOT_ID);
`;
}

/** Editor support for the AssemblyScript sources (asc itself does not read it). */
export function filtersTsconfig(): string {
  return JSON.stringify({ extends: "assemblyscript/std/assembly.json", include: ["./**/*.ts"] }, null, 2) + "\n";
}

export function filterTest(p: ProjectSpec): string {
  return `// Runs build/${p.filter}.wasm (\`npm run asbuild\`) in the Proxy-Wasm host emulator that ships with
// ${SDK_PACKAGE}: Envoy's callback order and ABI, no Envoy needed. \`npm test\` builds, then runs node --test.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { ProxyWasmHost } from "${SDK_PACKAGE}/host";

const wasm = fileURLToPath(new URL("../build/${p.filter}.wasm", import.meta.url));

function start(pluginConfiguration = "") {
  return ProxyWasmHost.start({ wasm, rootId: "${p.rootId}", pluginConfiguration });
}

/** One request and its upstream response through the filter. */
function roundTrip(host) {
  return host
    .http()
    .request({ headers: { ":method": "GET", ":path": "/hello", "user-agent": "node-test" } })
    .response({ headers: { ":status": "200", "content-type": "text/plain" }, body: "hi" })
    .complete();
}

test("adds x-hello: world to every response and logs the request path", async () => {
  const host = await start();
  assert.equal(host.failState, "Ok", host.failMessage);
  const stream = roundTrip(host);
  assert.equal(stream.responseHeader("x-hello"), "world");
  assert.equal(stream.responseBody.toString(), "hi", "the body passes unchanged");
  assert.deepEqual(host.logs("info"), ["request /hello"]);
});

test("the header comes from the plugin configuration", async () => {
  const host = await start('{"header": "x-team", "value": "payments"}');
  const stream = roundTrip(host);
  assert.equal(stream.responseHeader("x-team"), "payments");
  assert.equal(stream.responseHeader("x-hello"), null);
});

test("a configuration it cannot use is rejected, as Envoy rejects the plugin", async () => {
  const host = await start("{not json");
  assert.equal(host.failState, "ConfigureFailed");
  assert.match(host.logs("critical")[0] ?? "", /^${p.rootId}: configuration is not a JSON object/);
});
`;
}

export function gitignore(): string {
  return "node_modules/\nbuild/\n";
}

export function readme(p: ProjectSpec): string {
  return `# ${p.packageName}

A [Proxy-Wasm](https://github.com/proxy-wasm/spec) HTTP filter for Envoy and Istio, written in AssemblyScript
with \`${SDK_PACKAGE}\`. The filter \`${p.filter}\` (root id \`${p.rootId}\`) adds a response header
(\`x-hello: world\` by default) and logs each request's path.

## Layout

\`\`\`
filters/${p.filter}/index.ts   the filter: a RootContext (configuration) and an HttpContext (per request)
filters/${p.filter}/main.ts    the build entry: Proxy-Wasm exports + root context registration
test/${p.filter}.test.mjs      tests of the built module in the host emulator (node:test)
asconfig.json                  compiler settings, inherited from ${SDK_PACKAGE}
\`\`\`

Add more filters as \`filters/<name>/main.ts\`: \`proxy-wasm build\` compiles every one of them.

## Build and test

\`\`\`sh
npm install
npm run asbuild     # build/${p.filter}.wasm (release) and build/${p.filter}.debug.wasm (debug, with names)
npm test            # builds, then runs test/*.test.mjs against build/${p.filter}.wasm in the emulator
\`\`\`

## Configuration

The plugin configuration is a JSON object: \`{"header": "x-team", "value": "payments"}\`. An empty
configuration means \`x-hello: world\`; anything else is rejected (\`proxy_on_configure\` returns false and the
filter logs why at CRITICAL), which makes Envoy refuse the plugin.

## Run it locally

\`proxy-wasm run\` is a local HTTP proxy that runs every request and response through the filter in the
emulator, in front of any HTTP server:

\`\`\`sh
npx proxy-wasm run ${p.filter} --upstream http://127.0.0.1:3000 --listen 127.0.0.1:8080 \\
    --config '{"header": "x-team", "value": "payments"}'
curl -si http://127.0.0.1:8080/    # x-team: payments; the filter's logs print on the proxy's stderr
\`\`\`

## The package's examples

\`proxy-wasm build|run|push <example>\` use the examples that ship with ${SDK_PACKAGE} (add-header,
user-agent-logger, http-auth, rate-limit, …) when this project has no filter of that name:

\`\`\`sh
npx proxy-wasm run user-agent-logger --upstream http://127.0.0.1:3000
\`\`\`

In a filter of your own, \`import { AddHeaderRoot } from "${SDK_PACKAGE}/examples/add-header"\` gives an
example's classes without registering anything.

## Push

\`\`\`sh
npx proxy-wasm push ${p.filter} ghcr.io/<you>/${p.filter}:v1     # prints the manifest digest
\`\`\`

Without a reference the artifact goes to an OCI image layout in build/oci. Credentials come from Docker's
config.json (\`docker login\`), or \`-u <user> --password-stdin\`.

## Deploy

\`\`\`sh
# Istio WasmPlugin (sha256 filled in from the registry):
npx proxy-wasm manifests wasmplugin --image ghcr.io/<you>/${p.filter}:v1 --root-id ${p.rootId} \\
    -n default -l app=productpage --config '{"header": "x-team", "value": "payments"}' | kubectl apply -f -
# Other kinds: envoyfilter (ConfigMap mount), asm, wasme, envoy (a standalone bootstrap):
npx proxy-wasm manifests --help
\`\`\`
`;
}

/** Every file of a new project, relative path → content. */
export function projectFiles(p: ProjectSpec): Array<[string, string]> {
  return [
    ["package.json", packageJson(p)],
    ["asconfig.json", asconfigJson()],
    [`filters/${p.filter}/index.ts`, filterIndex(p)],
    [`filters/${p.filter}/main.ts`, filterMain(p)],
    ["filters/tsconfig.json", filtersTsconfig()],
    [`test/${p.filter}.test.mjs`, filterTest(p)],
    ["README.md", readme(p)],
    [".gitignore", gitignore()],
  ];
}
