/**
 * A standalone Envoy bootstrap (static resources) running the module in front of one upstream:
 * listener → HTTP connection manager → [envoy.filters.http.wasm, envoy.filters.http.router] → cluster.
 * Start it with `envoy -c envoy.yaml`.
 */
import { isIP } from "node:net";
import { ManifestError } from "./errors.ts";
import {
  HCM_FILTER_NAME,
  HCM_FILTER_TYPE,
  ROUTER_FILTER_NAME,
  ROUTER_FILTER_TYPE,
  type ManifestInput,
  type ManifestSet,
} from "./types.ts";
import { wasmHttpFilter } from "./wasm-filter.ts";

export const UPSTREAM_CLUSTER = "upstream";

function socketAddress(address: string, port: number): Record<string, unknown> {
  return { socket_address: { address, port_value: port } };
}

export function envoyBootstrap(input: ManifestInput): ManifestSet {
  const { source, envoy } = input;
  if (source.type !== "file" || source.url !== undefined) {
    throw new ManifestError(
      (n) => `the Envoy bootstrap loads a local file: give ${n("wasm")} <file> (pull a pushed image first with \`proxy-wasm pull\`)`,
    );
  }
  const httpConnectionManager = {
    name: HCM_FILTER_NAME,
    typed_config: {
      "@type": HCM_FILTER_TYPE,
      stat_prefix: "ingress_http",
      codec_type: "AUTO",
      route_config: {
        name: "local_route",
        virtual_hosts: [
          {
            name: UPSTREAM_CLUSTER,
            domains: ["*"],
            routes: [{ match: { prefix: "/" }, route: { cluster: UPSTREAM_CLUSTER } }],
          },
        ],
      },
      http_filters: [
        wasmHttpFilter({
          name: input.name,
          rootId: input.rootId,
          vmId: input.vmId,
          filename: input.modulePath,
          config: input.config,
          failStrategy: input.failStrategy,
        }),
        { name: ROUTER_FILTER_NAME, typed_config: { "@type": ROUTER_FILTER_TYPE } },
      ],
    },
  };
  const bootstrap: Record<string, unknown> = {};
  if (envoy.adminPort !== undefined) bootstrap.admin = { address: socketAddress("127.0.0.1", envoy.adminPort) };
  bootstrap.static_resources = {
    listeners: [
      {
        name: "listener_http",
        address: socketAddress(envoy.listenAddress, envoy.listenPort),
        filter_chains: [{ filters: [httpConnectionManager] }],
      },
    ],
    clusters: [
      {
        name: UPSTREAM_CLUSTER,
        type: isIP(envoy.upstreamHost) ? "STATIC" : "STRICT_DNS",
        connect_timeout: "5s",
        lb_policy: "ROUND_ROBIN",
        load_assignment: {
          cluster_name: UPSTREAM_CLUSTER,
          endpoints: [
            { lb_endpoints: [{ endpoint: { address: socketAddress(envoy.upstreamHost, envoy.upstreamPort) } }] },
          ],
        },
      },
    ],
  };
  return { documents: [bootstrap], patches: [], notes: [] };
}
