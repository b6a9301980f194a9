// Scenarios that both the emulator and pwhost (proxy-wasm-cpp-host on WAMR, driving a modelled Envoy
// HTTP filter) can run, for scripts/conformance.ts: conformance probes (hand-written WAT, one ABI area
// each) and every example's main scenario. Only what pwhost's command line can express: configurations,
// one request and one response (headers and at most one body chunk each), string property fixtures, ticks,
// the one callout cluster that answers 200, the log level.

import { readFile } from "node:fs/promises";
import { pairsData, probe, type ProbeSpec } from "./probe.ts";

export interface Scenario {
  name: string;
  wasm(): Promise<Uint8Array>;
  rootId: string;
  vmId?: string;
  pluginConfiguration?: string;
  vmConfiguration?: string;
  logLevel?: "trace" | "debug" | "info" | "warn" | "error" | "critical";
  /** Request headers (pseudo-headers included: neither side adds any). */
  request: Array<[string, string]>;
  requestBody?: string;
  response: Array<[string, string]>;
  responseBody?: string;
  /** String property fixtures by dotted path (pwhost -p path=value). */
  properties?: Record<string, string>;
  /** proxy_on_tick calls on the root right after start-up. */
  ticks?: number;
  /** The one cluster HTTP callouts may use; each call is answered 200 with this body after the callback. */
  cluster?: { name: string; body: string };
  /** Streams to run, one after the other (default 1). */
  streams?: number;
}

const GET: Array<[string, string]> = [
  [":method", "GET"],
  [":path", "/probe?x=1"],
  [":authority", "example.com"],
  [":scheme", "http"],
  ["user-agent", "conformance/1"],
];
const OK: Array<[string, string]> = [
  [":status", "200"],
  ["content-type", "text/plain"],
];

const probeScenario = (name: string, spec: ProbeSpec, rest: Partial<Scenario> = {}): Scenario => ({
  name: `probe: ${name}`,
  wasm: () => probe(spec),
  rootId: "probe",
  request: GET,
  response: OK,
  ...rest,
});

const REPLY_HEADERS = pairsData([["x-why", "probe"]]);
const CALLOUT_HEADERS = pairsData([
  [":method", "POST"],
  [":path", "/"],
  [":authority", "auth.local"],
]);

/** `(call $st (call $<fn> args...))`: logs a host call's status. */
const st = (call: string) => `(call $st (call ${call}))`;

export const PROBES: Scenario[] = [
  probeScenario(
    "start-up: _initialize, on_vm_start and on_configure in every VM",
    {
      imports: ["proxy_get_buffer_bytes"],
      data: [[256, "init"]],
      body: `(func (export "_initialize") (call $logmem (i32.const 256) (i32.const 4)))
        (func (export "proxy_on_context_create") (param $c i32) (param $p i32) (call $st (local.get $c)) (call $st (local.get $p)))
        (func (export "proxy_on_vm_start") (param i32) (param $n i32) (result i32)
          (call $st (local.get $n))
          ${st("$proxy_get_buffer_bytes (i32.const 6) (i32.const 0) (i32.const 99) (i32.const 64) (i32.const 68)")}
          (call $logout (i32.const 64)) (i32.const 1))
        (func (export "proxy_on_configure") (param i32) (param $n i32) (result i32)
          (call $st (local.get $n))
          ${st("$proxy_get_buffer_bytes (i32.const 7) (i32.const 0) (i32.const 99) (i32.const 64) (i32.const 68)")}
          (call $logout (i32.const 64)) (i32.const 1))`,
    },
    { vmConfiguration: "vm-config", pluginConfiguration: "plugin-config" },
  ),
  probeScenario("request headers: get, add, replace, remove, size, pairs", {
    imports: [
      "proxy_get_header_map_value",
      "proxy_add_header_map_value",
      "proxy_replace_header_map_value",
      "proxy_remove_header_map_value",
      "proxy_get_header_map_size",
      "proxy_get_header_map_pairs",
    ],
    data: [
      [256, ":path"],
      [272, "x-added"],
      [288, "yes"],
      [304, "user-agent"],
      [320, "replaced"],
      [336, "missing"],
    ],
    body: `(func (export "proxy_on_request_headers") (param i32) (param $n i32) (param i32) (result i32)
        (call $st (local.get $n))
        ${st("$proxy_get_header_map_value (i32.const 0) (i32.const 256) (i32.const 5) (i32.const 64) (i32.const 68)")}
        (call $logout (i32.const 64))
        ${st("$proxy_get_header_map_value (i32.const 0) (i32.const 336) (i32.const 7) (i32.const 64) (i32.const 68)")}
        ${st("$proxy_add_header_map_value (i32.const 0) (i32.const 272) (i32.const 7) (i32.const 288) (i32.const 3)")}
        ${st("$proxy_replace_header_map_value (i32.const 0) (i32.const 304) (i32.const 10) (i32.const 320) (i32.const 8)")}
        ${st("$proxy_remove_header_map_value (i32.const 0) (i32.const 336) (i32.const 7)")}
        ${st("$proxy_get_header_map_size (i32.const 0) (i32.const 72)")}
        (call $st (i32.load (i32.const 72)))
        ${st("$proxy_get_header_map_pairs (i32.const 0) (i32.const 64) (i32.const 68)")}
        (call $st (i32.load (i32.const 68)))
        (i32.const 0))`,
  }),
  probeScenario(
    "bodies: read the request body, rewrite the response body, add a response header",
    {
      imports: ["proxy_get_buffer_bytes", "proxy_set_buffer_bytes", "proxy_get_buffer_status", "proxy_add_header_map_value"],
      data: [
        [256, "REWRITTEN"],
        [272, "x-seen"],
        [288, "1"],
      ],
      body: `(func (export "proxy_on_request_body") (param i32) (param $n i32) (param $eos i32) (result i32)
          (call $st (local.get $n)) (call $st (local.get $eos))
          ${st("$proxy_get_buffer_bytes (i32.const 0) (i32.const 0) (local.get $n) (i32.const 64) (i32.const 68)")}
          (call $logout (i32.const 64))
          ${st("$proxy_get_buffer_status (i32.const 0) (i32.const 72) (i32.const 76)")}
          (call $st (i32.load (i32.const 72)))
          (i32.const 0))
        (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32)
          ${st("$proxy_add_header_map_value (i32.const 2) (i32.const 272) (i32.const 6) (i32.const 288) (i32.const 1)")}
          (i32.const 0))
        (func (export "proxy_on_response_body") (param i32) (param $n i32) (param i32) (result i32)
          ${st("$proxy_set_buffer_bytes (i32.const 1) (i32.const 0) (local.get $n) (i32.const 256) (i32.const 9)")}
          ${st("$proxy_set_buffer_bytes (i32.const 1) (i32.const 3) (i32.const 1) (i32.const 256) (i32.const 1)")}
          (i32.const 0))`,
    },
    {
      request: [[":method", "POST"], ...GET.slice(1)],
      requestBody: "request body",
      responseBody: "original",
    },
  ),
  probeScenario("a local reply from the request headers", {
    imports: ["proxy_send_local_response"],
    data: [
      [256, "denied_by_probe"],
      [288, "no entry"],
      [304, REPLY_HEADERS.text],
    ],
    body: `(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
        ${st(`$proxy_send_local_response (i32.const 403) (i32.const 256) (i32.const 15) (i32.const 288) (i32.const 8) (i32.const 304) (i32.const ${REPLY_HEADERS.size}) (i32.const -1)`)}
        (i32.const 0))
      (func (export "proxy_on_response_headers") (param i32) (param $n i32) (param i32) (result i32) (call $st (local.get $n)) (i32.const 0))`,
  }),
  probeScenario("statuses: unknown map and buffer types, maps and bodies out of phase, bad pointers", {
    imports: ["proxy_get_header_map_value", "proxy_get_buffer_bytes", "proxy_add_header_map_value", "proxy_log"],
    data: [[256, ":status"]],
    body: `(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
        ${st("$proxy_get_header_map_value (i32.const 9) (i32.const 256) (i32.const 7) (i32.const 64) (i32.const 68)")}
        ${st("$proxy_get_buffer_bytes (i32.const 9) (i32.const 0) (i32.const 10) (i32.const 64) (i32.const 68)")}
        ${st("$proxy_get_header_map_value (i32.const 2) (i32.const 256) (i32.const 7) (i32.const 64) (i32.const 68)")}
        ${st("$proxy_add_header_map_value (i32.const 2) (i32.const 256) (i32.const 7) (i32.const 256) (i32.const 7)")}
        ${st("$proxy_get_buffer_bytes (i32.const 7) (i32.const 0) (i32.const 10) (i32.const 64) (i32.const 68)")}
        ${st("$proxy_log (i32.const 2) (i32.const 200000) (i32.const 16)")}
        ${st("$proxy_log (i32.const 7) (i32.const 256) (i32.const 1)")}
        (i32.const 0))`,
  }),
  probeScenario("the request body read from on_request_headers (outside its callback)", {
    imports: ["proxy_get_buffer_bytes", "proxy_get_buffer_status"],
    body: `(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
        ${st("$proxy_get_buffer_bytes (i32.const 0) (i32.const 0) (i32.const 10) (i32.const 64) (i32.const 68)")}
        (call $st (i32.load (i32.const 68)))
        ${st("$proxy_get_buffer_status (i32.const 0) (i32.const 64) (i32.const 68)")}
        (i32.const 0))`,
  }),
  probeScenario(
    "properties: plugin and request attributes, a fixture, a miss, set then get",
    {
      imports: ["proxy_get_property", "proxy_set_property"],
      data: [
        [256, "plugin_root_id"],
        [272, "request\\00path"],
        [288, "my\\00fixture"],
        [304, "nope\\00x"],
        [320, "mine"],
        [336, "value"],
        [352, "plugin_vm_id"],
      ],
      body: `(func $get (param $p i32) (param $n i32)
          (call $st (call $proxy_get_property (local.get $p) (local.get $n) (i32.const 64) (i32.const 68)))
          (call $logout (i32.const 64)) (i32.store (i32.const 68) (i32.const 0)))
        (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
          (call $get (i32.const 256) (i32.const 14))
          (call $get (i32.const 272) (i32.const 12))
          (call $get (i32.const 288) (i32.const 10))
          (call $get (i32.const 304) (i32.const 6))
          (call $get (i32.const 352) (i32.const 12))
          ${st("$proxy_set_property (i32.const 320) (i32.const 4) (i32.const 336) (i32.const 5)")}
          (call $get (i32.const 320) (i32.const 4))
          (i32.const 0))`,
    },
    { properties: { "my.fixture": "from-the-fixture" }, vmId: "vm-a" },
  ),
  probeScenario("metrics: counter, gauge, histogram, Envoy's rules", {
    imports: ["proxy_define_metric", "proxy_increment_metric", "proxy_record_metric", "proxy_get_metric"],
    data: [[256, "cgh"]],
    body: `(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
        ${st("$proxy_define_metric (i32.const 0) (i32.const 256) (i32.const 1) (i32.const 64)")}
        ${st("$proxy_define_metric (i32.const 1) (i32.const 257) (i32.const 1) (i32.const 68)")}
        ${st("$proxy_define_metric (i32.const 2) (i32.const 258) (i32.const 1) (i32.const 72)")}
        ${st("$proxy_define_metric (i32.const 5) (i32.const 256) (i32.const 1) (i32.const 76)")}
        ${st("$proxy_increment_metric (i32.load (i32.const 64)) (i64.const 3)")}
        ${st("$proxy_increment_metric (i32.load (i32.const 64)) (i64.const 0)")}
        ${st("$proxy_record_metric (i32.load (i32.const 68)) (i64.const 10)")}
        ${st("$proxy_increment_metric (i32.load (i32.const 68)) (i64.const -4)")}
        ${st("$proxy_record_metric (i32.load (i32.const 72)) (i64.const 42)")}
        ${st("$proxy_get_metric (i32.load (i32.const 72)) (i32.const 80)")}
        ${st("$proxy_get_metric (i32.load (i32.const 68)) (i32.const 80)")}
        (call $st (i32.wrap_i64 (i64.load (i32.const 80))))
        ${st("$proxy_get_metric (i32.const 400) (i32.const 80)")}
        (i32.const 0))`,
  }),
  probeScenario(
    "shared data: set, get with CAS, stale CAS",
    {
      imports: ["proxy_get_shared_data", "proxy_set_shared_data"],
      data: [
        [256, "k"],
        [260, "v1v2"],
      ],
      body: `(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
        ${st("$proxy_set_shared_data (i32.const 256) (i32.const 1) (i32.const 260) (i32.const 2) (i32.const 0)")}
        ${st("$proxy_get_shared_data (i32.const 256) (i32.const 1) (i32.const 64) (i32.const 68) (i32.const 72)")}
        (call $logout (i32.const 64))
        ${st("$proxy_set_shared_data (i32.const 256) (i32.const 1) (i32.const 262) (i32.const 2) (i32.const 999)")}
        ${st("$proxy_set_shared_data (i32.const 256) (i32.const 1) (i32.const 262) (i32.const 2) (i32.load (i32.const 72))")}
        ${st("$proxy_get_shared_data (i32.const 256) (i32.const 1) (i32.const 64) (i32.const 68) (i32.const 72)")}
        (call $logout (i32.const 64))
        (i32.const 0))`,
    },
  ),
  probeScenario(
    "logging: every level against the host's, proxy_get_log_level",
    {
      imports: ["proxy_get_log_level"],
      data: [[256, "level"]],
      body: `(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) (local $l i32)
        (loop $each
          (drop (call $proxy_log (local.get $l) (i32.const 256) (i32.const 5)))
          (local.set $l (i32.add (local.get $l) (i32.const 1)))
          (br_if $each (i32.lt_u (local.get $l) (i32.const 6))))
        ${st("$proxy_get_log_level (i32.const 64)")}
        (call $st (i32.load (i32.const 64)))
        (i32.const 0))`,
    },
    { logLevel: "debug" },
  ),
  probeScenario("a pause from request headers, a stop from the response body", {
    body: `(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) (i32.const 1))
      (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32) (i32.const 0))
      (func (export "proxy_on_response_body") (param i32 i32 i32) (result i32) (i32.const 1))`,
  }, { responseBody: "held" }),
  probeScenario(
    "an HTTP callout from the request headers, answered by the cluster",
    {
      imports: ["proxy_http_call", "proxy_get_buffer_bytes", "proxy_get_header_map_value"],
      data: [
        [256, "auth"],
        [272, CALLOUT_HEADERS.text],
        [400, ":status"],
      ],
      body: `(func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
          ${st(`$proxy_http_call (i32.const 256) (i32.const 4) (i32.const 272) (i32.const ${CALLOUT_HEADERS.size}) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 1000) (i32.const 64)`)}
          (call $st (i32.load (i32.const 64)))
          ${st(`$proxy_http_call (i32.const 257) (i32.const 3) (i32.const 272) (i32.const ${CALLOUT_HEADERS.size}) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 1000) (i32.const 64)`)}
          (i32.const 0))
        (func (export "proxy_on_http_call_response") (param $r i32) (param $t i32) (param $h i32) (param $b i32) (param i32)
          (call $st (local.get $r)) (call $st (local.get $t)) (call $st (local.get $h)) (call $st (local.get $b))
          ${st("$proxy_get_header_map_value (i32.const 6) (i32.const 400) (i32.const 7) (i32.const 64) (i32.const 68)")}
          (call $logout (i32.const 64))
          ${st("$proxy_get_buffer_bytes (i32.const 4) (i32.const 0) (local.get $b) (i32.const 64) (i32.const 68)")}
          (call $logout (i32.const 64)))`,
    },
    { cluster: { name: "auth", body: "allowed" } },
  ),
  probeScenario("ticks on the root context", {
    imports: ["proxy_set_tick_period_milliseconds"],
    body: `(func (export "proxy_on_configure") (param i32 i32) (result i32)
        ${st("$proxy_set_tick_period_milliseconds (i32.const 1000)")} (i32.const 1))
      (func (export "proxy_on_tick") (param $r i32) (call $st (local.get $r)))`,
  }, { ticks: 2 }),
  probeScenario("a trap in on_configure fails the plugin", {
    body: `(func (export "proxy_on_configure") (param i32 i32) (result i32) (unreachable))`,
  }),
  probeScenario("an import the ABI version does not have fails the link", {
    abi: "0_2_0",
    imports: ["proxy_get_log_level"],
    body: "",
  }),
  probeScenario("no allocator: the module is still started, then fails", {
    allocator: "none",
    data: [[256, "started"]],
    body: `(func (export "_initialize") (call $logmem (i32.const 256) (i32.const 7)))`,
  }),
  probeScenario("a callback of the wrong type fails the module", {
    body: `(func (export "proxy_on_request_headers") (param i32 i32) (result i32) (i32.const 0))`,
  }),
  probeScenario(
    "ABI 0.1.0: proxy_get_configuration, 2-parameter header callbacks",
    {
      abi: "0_1_0",
      imports: ["proxy_get_configuration"],
      body: `(func (export "proxy_on_configure") (param i32 i32) (result i32)
          ${st("$proxy_get_configuration (i32.const 64) (i32.const 68)")}
          (call $logout (i32.const 64)) (i32.const 1))
        (func (export "proxy_on_request_headers") (param $c i32) (param $n i32) (result i32) (call $st (local.get $n)) (i32.const 0))`,
    },
    { pluginConfiguration: "legacy-config" },
  ),
];

const example = (name: string, rest: Omit<Scenario, "name" | "wasm">): Scenario => ({
  name: `example: ${name}`,
  wasm: async () => new Uint8Array(await readFile(new URL(`../build/${name}.wasm`, import.meta.url))),
  ...rest,
});

/** Every example's main scenario; tcp-byte-counter is TCP, which pwhost does not drive. */
export const EXAMPLES: Scenario[] = [
  example("add-header", {
    rootId: "add_header",
    pluginConfiguration: '{"name":"x-demo","value":"yes"}',
    request: GET,
    response: OK,
    responseBody: "hello",
  }),
  example("user-agent-logger", { rootId: "user_agent_logger", request: GET, response: OK }),
  example("body-rewrite", {
    rootId: "body_rewrite",
    pluginConfiguration: JSON.stringify({ replacements: [{ from: "cat", to: "dog" }] }),
    request: GET,
    response: [...OK, ["content-length", "11"]],
    responseBody: "the cat sat",
  }),
  example("compress-body", {
    rootId: "compress_body",
    request: [...GET, ["accept-encoding", "deflate"]],
    response: OK,
    responseBody: "compress me ".repeat(20),
  }),
  example("grpc-unary", { rootId: "grpc_unary", pluginConfiguration: '{"cluster": "health"}', request: GET, response: OK }),
  example("http-auth", {
    rootId: "http_auth",
    pluginConfiguration: '{"cluster": "auth"}',
    request: [...GET, ["authorization", "Bearer t"]],
    response: OK,
    cluster: { name: "auth", body: "" },
  }),
  example("metrics", {
    rootId: "metrics",
    pluginConfiguration: '{"prefix": "shop"}',
    request: [[":method", "POST"], ...GET.slice(1)],
    requestBody: "twelve bytes",
    response: OK,
  }),
  example("queue-worker", { rootId: "queue_worker", pluginConfiguration: '{"tick_ms": 250}', request: GET, response: OK, ticks: 2 }),
  example("rate-limit", {
    rootId: "rate_limit",
    pluginConfiguration: '{"requests_per_window": 1, "window_seconds": 60}',
    request: GET,
    response: OK,
    streams: 2,
  }),
];
