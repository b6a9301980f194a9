/**
 * `npm run demo`: the main job end to end, without Envoy or a cluster. It builds the example filters
 * (one table of their sizes), shows them working in the host emulator, in the local proxy in front of a
 * real HTTP server, and shipped as an OCI artifact with its deployment. The npm script bundles the CLI first.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { buildFilters, discoverEntries } from "./build/compile.ts";
import { ProxyWasmHost } from "./host/index.ts";
import { startProxy } from "./run/proxy.ts";

const root = new URL("..", import.meta.url).pathname;
const cli = join(root, "dist", "cli.js");

function heading(text: string): void {
  console.log(`\n== ${text}`);
}

/** Prints rows as columns padded to their widest cell; columns of numbers (below a header) align right. */
function table(rows: string[][]): void {
  const columns = rows[0]!.length;
  const widths = [...Array(columns).keys()].map((column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  const numeric = [...Array(columns).keys()].map((column) => rows.slice(1).every((row) => /^[\d,]+$/.test(row[column] ?? "")));
  for (const row of rows) {
    const cells = row.map((cell, column) => (numeric[column] ? cell.padStart(widths[column]!) : column === columns - 1 ? cell : cell.padEnd(widths[column]!)));
    console.log(`  ${cells.join("  ")}`.trimEnd());
  }
}

const bytes = (size: number): string => size.toLocaleString("en-US");

async function buildExamples(): Promise<void> {
  heading("Build: every example, release and debug (debug modules carry a names section)");
  const built = await buildFilters({ root, entries: discoverEntries(root), targets: ["release", "debug"], outDir: join(root, "build") });
  const rows = [["module", "release (bytes)", "debug (bytes)"]];
  for (const release of built.filter((m) => m.target === "release")) {
    const debug = built.find((m) => m.name === release.name && m.target === "debug");
    rows.push([`build/${release.name}.wasm`, bytes(release.size), debug ? bytes(debug.size) : "0"]);
  }
  table(rows);
}

/** A plugin configuration as a person would type it in a shell. */
const shown = (configuration: string): string => (configuration === "" ? "(empty)" : `'${configuration}'`);

async function showAddHeader(): Promise<void> {
  heading("add-header in the emulator: one request per plugin configuration");
  const rows: string[][] = [];
  for (const configuration of ["", '{"name": "x-demo", "value": "yes"}', "tomorrow", '{"name": "x-demo"}']) {
    const host = await ProxyWasmHost.start({ wasm: join(root, "build/add-header.wasm"), rootId: "add_header", pluginConfiguration: configuration });
    if (!host.configured) {
      rows.push([shown(configuration), "->", `rejected: ${host.logs("critical").join(" | ")}`]);
      continue;
    }
    const stream = host.http().request({ headers: { ":path": "/", ":method": "GET" } }).response({ headers: { ":status": "200" } }).complete();
    const added = stream.responseHeaders.filter(([name]) => !name.startsWith(":")).map(([name, value]) => `${name}: ${value}`);
    rows.push([shown(configuration), "->", `response gets ${added.join(", ")}`]);
  }
  table(rows);
}

async function showUserAgentLogger(): Promise<void> {
  heading("user-agent-logger in the emulator: what it logs");
  const host = await ProxyWasmHost.start({ wasm: join(root, "build/user-agent-logger.wasm"), rootId: "user_agent_logger" });
  host.http().request({ headers: { ":path": "/", "user-agent": "curl/8.4.0" } }).response({ headers: { ":status": "200" } }).complete();
  host.http().request({ headers: { ":path": "/" } }).response({ headers: { ":status": "200" } }).complete();
  table([
    ["request with user-agent: curl/8.4.0", "-> [info]", host.logs("info")[0] ?? "(nothing)"],
    ["request without user-agent", "-> [info]", host.logs("info")[1] ?? "(nothing)"],
  ]);
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
    const rows: string[][] = [];
    for (const [name, rootId] of [["add-header", "add_header"], ["user-agent-logger", "user_agent_logger"]]) {
      const logs: string[] = [];
      const proxy = await startProxy({
        wasm: join(root, `build/${name}.wasm`),
        rootId: rootId!,
        upstream: upstreamUrl,
        listen: { host: "127.0.0.1", port: 0 },
        report: (line) => logs.push(line),
        accessLog: false,
      });
      try {
        const response = await fetch(`${proxy.url}/hello`, { headers: { "user-agent": "curl/8.4.0" } });
        const body = (await response.text()).trim();
        rows.push([name, `GET /hello -> ${response.status}, hello: ${response.headers.get("hello") ?? "(none)"}, body "${body}"`]);
        for (const line of logs) rows.push([name, `log ${line}`]);
      } finally {
        await proxy.close();
      }
    }
    table(rows);
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
  table([
    ["manifest digest", digest],
    ["copy it to a registry", "skopeo copy oci:build/oci:add-header docker://<registry>/<repo>:<tag>"],
  ]);
  const yaml = runCli(["manifests", "wasmplugin", "--image", "registry.example.com/filters/add-header:v1", "--digest", digest, "--root-id", "add_header", "-l", "app=productpage"]);
  console.log(yaml.split("\n").map((line) => `  ${line}`).join("\n"));
}

await buildExamples();
await showAddHeader();
await showUserAgentLogger();
await showLocalProxy();
showShipping();
