/** `proxy-wasm run`: a local HTTP proxy that runs every request and response through a filter in the emulator. */
import { EXIT_OK } from "../cli-errors.ts";
import { DEFAULT_LISTEN, parseRunArgs } from "../run/options.ts";
import { DEFAULT_DRAIN_MS, startProxy } from "../run/proxy.ts";
import type { Command } from "./command.ts";

const help = `Usage: proxy-wasm run <wasm-file | filter-name> --upstream <url> [options]

A local HTTP/1.1 proxy (node:http) that runs every request and response through the filter in the
Proxy-Wasm host emulator, like one Envoy worker with the filter before the router: request headers,
body chunks and trailers, then the upstream's response the same way; pauses, local replies (the upstream is
then never contacted), callouts to --cluster URLs, fail-closed 503 or --fail-open after a trap. The
filter's logs go to stderr ("[info] User-Agent: curl/8.5.0"); "listening on <url>" goes to stdout when ready.
SIGINT/SIGTERM stop accepting, let in-flight requests finish (at most ${DEFAULT_DRAIN_MS / 1000} s), shut the plugin down, exit 0.

Arguments:
  <wasm-file | filter-name>  a .wasm file, or a name meaning build/<name>.wasm (an example or a filter
                             built by \`proxy-wasm build\`)

Options:
  --upstream <url>           where requests go: http://127.0.0.1:PORT (required; https:// works too).
                             The client's Host is kept, as Envoy does without a host rewrite.
  --listen <host:port>       where the proxy listens (default: ${DEFAULT_LISTEN}; port 0 picks a free one)
  --allow-remote             allow a --listen address that is not loopback (default: loopback only)
  --config <text>            plugin configuration (proxy_on_configure), e.g. '{"name":"x-demo","value":"1"}'
  --config-file <file>       plugin configuration read from a file
  --vm-config <text>         VM configuration (proxy_on_vm_start)
  --root-id <id>             root id (default: the filter name with '-' → '_', e.g. add_header)
  --cluster <name=url>       callouts to cluster <name> go to <url> (repeatable); a callout to a cluster
                             that is not mapped fails with BadArgument, as in Envoy
  --fail-open                after the filter fails (trap), pass requests through without it
                             (default: fail closed, a 503 for every request)
  --log-level <level>        trace, debug, info, warn, error, critical (default: info)
  --trace                    also print every host↔VM call and callout
  -h, --help                 show this help

Before the filter, the proxy adds x-forwarded-proto and (if absent) x-request-id, as Envoy's
connection manager does.

Examples:
  proxy-wasm run add-header --upstream http://127.0.0.1:3000
  curl -si http://127.0.0.1:8080/       # → hello: world
  proxy-wasm run build/user-agent-logger.wasm --upstream http://127.0.0.1:3000 --listen 127.0.0.1:10000
  proxy-wasm run add-header --upstream http://127.0.0.1:3000 --config '{"name":"x-demo","value":"yes"}'
  proxy-wasm run http-auth --upstream http://127.0.0.1:3000 --cluster auth=http://127.0.0.1:9001`;

/** Waits for SIGINT or SIGTERM; a second one calls `onSecond` (an immediate stop). `dispose` removes the handlers. */
function signals(onSecond: () => void): { first: Promise<string>; dispose(): void } {
  let seen = false;
  let resolveFirst!: (signal: string) => void;
  const first = new Promise<string>((resolve) => (resolveFirst = resolve));
  const handler = (signal: NodeJS.Signals) => {
    if (seen) onSecond();
    seen = true;
    resolveFirst(signal);
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    first,
    dispose() {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}

export const runCommand: Command = {
  name: "run",
  summary: "run a filter in a local HTTP proxy in front of an upstream (emulated Envoy)",
  help,
  async run(args) {
    const options = parseRunArgs(args);
    const proxy = await startProxy({
      wasm: options.wasm,
      rootId: options.rootId,
      upstream: options.upstream,
      listen: options.listen,
      pluginConfiguration: options.pluginConfiguration,
      vmConfiguration: options.vmConfiguration,
      clusters: options.clusters,
      failOpen: options.failOpen,
      logLevel: options.logLevel,
      trace: options.trace,
    });
    const credentials = options.upstream.credentials ? " (Basic credentials from the URL)" : "";
    process.stderr.write(
      `[proxy] ${options.name} (root id ${options.rootId}) → ${options.upstream.url.href}${credentials}` +
        (options.clusters.size > 0 ? `; clusters ${[...options.clusters].map(([n, u]) => `${n}=${u.url.origin}`).join(", ")}` : "") +
        "\n",
    );
    console.log(`listening on ${proxy.url}`);
    const stop = signals(() => void proxy.close(0));
    const signal = await stop.first;
    process.stderr.write(`[proxy] ${signal}: stopping (${proxy.inFlight} request(s) in flight, ${proxy.served} served)\n`);
    await proxy.close();
    stop.dispose();
    return EXIT_OK;
  },
};
