/**
 * `npm run demo`: the main job end to end, without Envoy or a cluster. Builds nothing itself (the npm
 * script runs `asbuild` first); it shows the built example filters working in the host emulator, in
 * the local proxy in front of a real HTTP server, and shipped as an OCI artifact with its deployment.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ProxyWasmHost } from "./host/index.ts";
import { startProxy } from "./run/proxy.ts";

const root = new URL("..", import.meta.url).pathname;
const cli = join(root, "dist", "cli.js");

function heading(text: string): void {
  console.log(`\n== ${text}`);
}

function showModules(): void {
  heading("Built modules (release; debug builds carry a names section)");
  for (const file of readdirSync(join(root, "build")).filter((f) => f.endsWith(".wasm") && !f.endsWith(".debug.wasm")).sort()) {
    console.log(`  build/${file.padEnd(28)} ${statSync(join(root, "build", file)).size.toLocaleString("en-US").padStart(7)} bytes`);
  }
}

async function showAddHeader(): Promise<void> {
  heading("add-header in the emulator: one request per configuration");
  for (const configuration of ["", '{"name": "x-demo", "value": "yes"}', "tomorrow", '{"name": "x-demo"}']) {
    const host = await ProxyWasmHost.start({ wasm: join(root, "build/add-header.wasm"), rootId: "add_header", pluginConfiguration: configuration });
    const label = JSON.stringify(configuration).padEnd(38);
    if (!host.configured) {
      console.log(`  config ${label} -> rejected: ${host.logs("critical").join(" | ")}`);
      continue;
    }
    const stream = host.http().request({ headers: { ":path": "/", ":method": "GET" } }).response({ headers: { ":status": "200" } }).complete();
    const added = stream.responseHeaders.filter(([name]) => !name.startsWith(":"));
    console.log(`  config ${label} -> response headers ${JSON.stringify(added)}`);
  }
}

async function showUserAgentLogger(): Promise<void> {
  heading("user-agent-logger in the emulator: what it logs");
  const host = await ProxyWasmHost.start({ wasm: join(root, "build/user-agent-logger.wasm"), rootId: "user_agent_logger" });
  host.http().request({ headers: { ":path": "/", "user-agent": "curl/8.4.0" } }).response({ headers: { ":status": "200" } }).complete();
  host.http().request({ headers: { ":path": "/" } }).response({ headers: { ":status": "200" } }).complete();
  for (const line of host.logs("info")) console.log(`  [info] ${line}`);
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

async function showLocalProxy(): Promise<void> {
  heading("The local proxy (proxy-wasm run): a real HTTP server behind add-header and user-agent-logger");
  const upstream = createServer((request, response) => {
    response.setHeader("content-type", "text/plain");
    response.end(`upstream saw ${request.method} ${request.url}\n`);
  });
  const upstreamUrl = new URL(`http://127.0.0.1:${await listen(upstream)}`);
  try {
    for (const [name, rootId] of [["add-header", "add_header"], ["user-agent-logger", "user_agent_logger"]]) {
      const proxy = await startProxy({
        wasm: join(root, `build/${name}.wasm`),
        rootId: rootId!,
        upstream: upstreamUrl,
        listen: { host: "127.0.0.1", port: 0 },
        report: (line) => console.log(`  ${name} log: ${line}`),
        accessLog: false,
      });
      try {
        const response = await fetch(`${proxy.url}/hello`, { headers: { "user-agent": "curl/8.4.0" } });
        const body = (await response.text()).trim();
        console.log(`  curl ${proxy.url}/hello -> ${response.status}, hello: ${response.headers.get("hello") ?? "(none)"}, body "${body}"`);
      } finally {
        await proxy.close();
      }
    }
  } finally {
    upstream.close();
  }
}

function runCli(args: string[]): string {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`proxy-wasm ${args.join(" ")} failed: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

function showShipping(): void {
  heading("Shipping: push add-header as an OCI artifact (to the image layout build/oci), then its Istio WasmPlugin");
  const digest = runCli(["push", "add-header"]);
  console.log(`  manifest digest ${digest}; copy it to any registry with: skopeo copy oci:build/oci:add-header docker://<registry>/<repo>:<tag>`);
  const yaml = runCli(["manifests", "wasmplugin", "--image", "registry.example.com/filters/add-header:v1", "--digest", digest, "--root-id", "add_header", "-l", "app=productpage"]);
  console.log(yaml.split("\n").map((line) => `  ${line}`).join("\n"));
}

showModules();
await showAddHeader();
await showUserAgentLogger();
await showLocalProxy();
showShipping();
