// Property lookup like Envoy Context::getProperty: the first path segment names a top-level attribute,
// later segments index into maps (or list positions). Test fixtures win over Envoy's well-known
// attributes, which are computed from the simulated stream; then filter state set by proxy_set_property.

import type { Context } from "./context.ts";
import type { HostEnv } from "./env.ts";
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
  if (name === "request") {
    const h = http.requestHeaderMap;
    if (!h) return undefined;
    const path = h.get(":path") ?? "";
    const q = path.indexOf("?");
    return map([
      ["path", h.get(":path")],
      ["url_path", q < 0 ? path : path.slice(0, q)],
      ["host", h.get(":authority")],
      ["scheme", h.get(":scheme")],
      ["method", h.get(":method")],
      ["headers", { map: h.joined() }],
      ["referer", h.get("referer")],
      ["useragent", h.get("user-agent")],
      ["id", h.get("x-request-id")],
      ["query", q < 0 ? "" : path.slice(q + 1)],
      ["protocol", http.protocol],
      ["time", { timestamp: env.clock.realtimeNsAt(http.startMs) }],
      ["size", http.requestBodyBytes],
      ["total_size", h.byteSize() + http.requestBodyBytes],
      ["duration", http.endMs === null ? undefined : { duration: BigInt(Math.round((http.endMs - http.startMs) * 1e6)) }],
    ]);
  }
  if (name === "response") {
    const h = http.responseHeaderMap;
    if (!h) return undefined;
    const status = Number(h.get(":status"));
    const trailers = http.finalResponseTrailers;
    return map([
      ["code", Number.isFinite(status) ? status : undefined],
      ["code_details", http.responseCodeDetails ?? undefined],
      ["flags", 0],
      ["headers", { map: h.joined() }],
      ["trailers", trailers ? { map: trailers.joined() } : undefined],
      ["size", http.responseBodyBytes],
      ["total_size", h.byteSize() + http.responseBodyBytes],
    ]);
  }
  return undefined;
}

/** Resolves a NUL-joined property path for `ctx`; undefined ⇒ NOT_FOUND. */
export function findProperty(env: HostEnv, ctx: Context, path: string): PropertyValue | undefined {
  const segs = path.split("\0");
  for (let n = segs.length; n > 0; n--) {
    const fixture = env.properties.get(n === segs.length ? path : segs.slice(0, n).join("\0"));
    if (fixture !== undefined) return walk(fixture, segs.slice(n));
  }
  const top = segs[0]!;
  const known = wellKnown(env, ctx, top);
  if (known !== undefined) return walk(known, segs.slice(1));
  const stateHolder = ctx.http || ctx.tcp ? ctx : null;
  const state = stateHolder?.filterState?.get(top);
  if (state !== undefined) return segs.length === 1 ? state : undefined;
  return undefined;
}
