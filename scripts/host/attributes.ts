// Property lookup like Envoy Context::getProperty: the first path segment names a top-level attribute,
// later segments index into maps (or list positions). Test fixtures win over Envoy's well-known
// attributes, which are computed from the simulated stream; then filter state set by proxy_set_property.

import type { Context } from "./context.ts";
import type { HostEnv } from "./env.ts";
import type { FilterManager } from "./filter-manager.ts";
import { listItems, mapEntries, type PropertyValue } from "./property-values.ts";

type Found = PropertyValue | undefined;

function walk(value: PropertyValue, rest: string[]): Found {
  let v: PropertyValue = value;
  for (const seg of rest) {
    const entries = mapEntries(v);
    if (entries) {
      const hit = entries.find(([k]) => k === seg);
      if (!hit) return undefined;
      v = hit[1];
      continue;
    }
    const items = listItems(v);
    if (items && /^\d+$/.test(seg) && Number(seg) < items.length) {
      v = items[Number(seg)]!;
      continue;
    }
    return undefined;
  }
  return v;
}

function map(entries: Array<[string, PropertyValue | undefined]>): PropertyValue {
  return { map: entries.filter((e): e is [string, PropertyValue] => e[1] !== undefined) };
}

/** Envoy's well-known attributes for a top-level name, as seen from `ctx`. */
function wellKnown(env: HostEnv, ctx: Context, name: string): Found {
  const o = env.options;
  switch (name) {
    case "plugin_name":
      return o.pluginName;
    case "plugin_root_id":
      return o.rootId;
    case "plugin_vm_id":
      return o.vmId;
  }
  const stream = ctx.http ?? ctx.tcp;
  if (!stream) return undefined;
  const c = o.connection;
  switch (name) {
    case "source":
      return map([
        ["address", `${c.sourceAddress}:${c.sourcePort}`],
        ["port", c.sourcePort],
      ]);
    case "destination":
      return map([
        ["address", `${c.destinationAddress}:${c.destinationPort}`],
        ["port", c.destinationPort],
      ]);
    case "connection":
      return map([
        ["id", { uint64: stream.connectionId }],
        ["mtls", c.mtls],
        ["requested_server_name", c.requestedServerName],
      ]);
    case "connection_id":
      return { uint64: stream.connectionId };
  }
  const http = ctx.http;
  if (!http) return undefined;
  if (name === "request") return http.requestHeaderMap ? map(REQUEST_FIELDS.map((f) => [f, requestField(env, http, f)])) : undefined;
  if (name === "response") return http.responseHeaderMap ? map(RESPONSE_FIELDS.map((f) => [f, responseField(http, f)])) : undefined;
  return undefined;
}

const REQUEST_FIELDS = [
  "path",
  "url_path",
  "host",
  "scheme",
  "method",
  "headers",
  "referer",
  "useragent",
  "id",
  "query",
  "protocol",
  "time",
  "size",
  "total_size",
  "duration",
];
const RESPONSE_FIELDS = ["code", "code_details", "flags", "headers", "trailers", "size", "total_size"];

/** One field of request.* (computed only when asked for); undefined ⇒ absent. */
function requestField(env: HostEnv, http: FilterManager, field: string): Found {
  const h = http.requestHeaderMap;
  if (!h) return undefined;
  switch (field) {
    case "path":
      return h.get(":path");
    case "url_path": {
      const path = h.get(":path") ?? "";
      const q = path.indexOf("?");
      return q < 0 ? path : path.slice(0, q);
    }
    case "host":
      return h.get(":authority");
    case "scheme":
      return h.get(":scheme");
    case "method":
      return h.get(":method");
    case "headers":
      return { map: h.joined() };
    case "referer":
      return h.get("referer");
    case "useragent":
      return h.get("user-agent");
    case "id":
      return h.get("x-request-id");
    case "query": {
      const path = h.get(":path") ?? "";
      const q = path.indexOf("?");
      return q < 0 ? "" : path.slice(q + 1);
    }
    case "protocol":
      return http.protocol;
    case "time":
      return { timestamp: env.clock.realtimeNsAt(http.startMs) };
    case "size":
      return http.requestBodyBytes;
    case "total_size":
      return h.byteSize() + http.requestBodyBytes;
    case "duration":
      return http.endMs === null ? undefined : { duration: BigInt(Math.round((http.endMs - http.startMs) * 1e6)) };
    default:
      return undefined;
  }
}

/** One field of response.* (computed only when asked for); undefined ⇒ absent. */
function responseField(http: FilterManager, field: string): Found {
  const h = http.responseHeaderMap;
  if (!h) return undefined;
  switch (field) {
    case "code": {
      const status = Number(h.get(":status"));
      return Number.isFinite(status) ? status : undefined;
    }
    case "code_details":
      return http.responseCodeDetails ?? undefined;
    case "flags":
      return 0;
    case "headers":
      return { map: h.joined() };
    case "trailers": {
      const trailers = http.finalResponseTrailers;
      return trailers ? { map: trailers.joined() } : undefined;
    }
    case "size":
      return http.responseBodyBytes;
    case "total_size":
      return h.byteSize() + http.responseBodyBytes;
    default:
      return undefined;
  }
}

/** Resolves a NUL-joined property path for `ctx`; undefined ⇒ NOT_FOUND. */
export function findProperty(env: HostEnv, ctx: Context, path: string): PropertyValue | undefined {
  const segs = path.split("\0");
  for (let n = segs.length; n > 0; n--) {
    const fixture = env.properties.get(n === segs.length ? path : segs.slice(0, n).join("\0"));
    if (fixture !== undefined) return walk(fixture, segs.slice(n));
  }
  const top = segs[0]!;
  // request.<field> / response.<field>: compute just that field, not the whole map.
  const http = ctx.http;
  if (segs.length > 1 && http && (top === "request" || top === "response")) {
    const field = top === "request" ? requestField(env, http, segs[1]!) : responseField(http, segs[1]!);
    if (field !== undefined) return walk(field, segs.slice(2));
    if ((top === "request" ? http.requestHeaderMap : http.responseHeaderMap) !== null) return undefined;
  }
  const known = wellKnown(env, ctx, top);
  if (known !== undefined) return walk(known, segs.slice(1));
  const stateHolder = ctx.kind === "http" || ctx.kind === "tcp" ? ctx : null;
  const state = stateHolder?.filterState?.get(top);
  if (state !== undefined) return segs.length === 1 ? state : undefined;
  return undefined;
}
