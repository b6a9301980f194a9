// Header maps: request/response headers and trailers, callout reply headers, gRPC metadata.
import {
  proxy_add_header_map_value,
  proxy_get_header_map_pairs,
  proxy_get_header_map_size,
  proxy_get_header_map_value,
  proxy_remove_header_map_value,
  proxy_replace_header_map_value,
  proxy_set_header_map_pairs,
} from "./abi/headers";
import { arg0, arg0Length, arg1, arg1Length, encodeArg, encodeArgs, reserveScratch, RETURN_PTR, RETURN_SIZE, takeBytes, takeString } from "./memory";
import { BytesView } from "./bytes-view";
import { deserializePairs, HeaderPair, maxSerializedSize, serializePairsTo } from "./pairs";
import { record, Status } from "./status";
import { MapType } from "./types";

/**
 * One of the host's header maps. Envoy lower-cases names on every write and answers only while the
 * map is in phase (request headers in onRequestHeaders, ...); out of phase, reads give null/empty and
 * writes return Status.BadArgument.
 */
export class HeaderMap {
  /** The view `getView()` hands out, reused: one host block at a time per map. */
  private lastView: BytesView | null = null;

  constructor(readonly type: MapType) {}

  /**
   * The first value of `name` as the host wrote it (UTF-8, no copy, no string), or null when absent:
   * valid until the next getView() of this map or its release(). The fastest way to read a value
   * you only pass on or compare (see logLine).
   */
  getView(name: string): BytesView | null {
    let view = this.lastView;
    if (view === null) this.lastView = view = new BytesView();
    else view.release();
    encodeArg(name);
    if (record(proxy_get_header_map_value(this.type, arg0, arg0Length, RETURN_PTR, RETURN_SIZE)) != Status.Ok) return null;
    view.hold();
    return view;
  }

  /** The first value of `name`, or null when absent (lastStatus() tells NotFound from BadArgument). */
  get(name: string): string | null {
    encodeArg(name);
    if (record(proxy_get_header_map_value(this.type, arg0, arg0Length, RETURN_PTR, RETURN_SIZE)) != Status.Ok) return null;
    return takeString();
  }

  /** The first value of `name` as bytes, or null when absent. */
  getBytes(name: string): ArrayBuffer | null {
    encodeArg(name);
    if (record(proxy_get_header_map_value(this.type, arg0, arg0Length, RETURN_PTR, RETURN_SIZE)) != Status.Ok) return null;
    return takeBytes();
  }

  /** Every value of `name` (case-insensitive), in order. */
  getAll(name: string): string[] {
    const key = name.toLowerCase();
    const pairs = this.getPairs();
    const values = new Array<string>();
    for (let i = 0; i < pairs.length; i++) {
      const pair = unchecked(pairs[i]);
      if (pair.name.toLowerCase() == key) values.push(pair.value);
    }
    return values;
  }

  /** Whether `name` is present. */
  has(name: string): bool {
    return this.get(name) !== null;
  }

  /** Adds a value, keeping existing ones. */
  add(name: string, value: string): Status {
    encodeArgs(name, value);
    return record(proxy_add_header_map_value(this.type, arg0, arg0Length, arg1, arg1Length));
  }

  addBytes(name: string, value: ArrayBuffer): Status {
    encodeArg(name);
    return record(proxy_add_header_map_value(this.type, arg0, arg0Length, changetype<usize>(value), value.byteLength));
  }

  /** Sets `name` to this one value (replacing all values, or adding it). */
  replace(name: string, value: string): Status {
    encodeArgs(name, value);
    return record(proxy_replace_header_map_value(this.type, arg0, arg0Length, arg1, arg1Length));
  }

  replaceBytes(name: string, value: ArrayBuffer): Status {
    encodeArg(name);
    return record(proxy_replace_header_map_value(this.type, arg0, arg0Length, changetype<usize>(value), value.byteLength));
  }

  /** Removes every value of `name`; Ok also when it was absent. */
  remove(name: string): Status {
    encodeArg(name);
    return record(proxy_remove_header_map_value(this.type, arg0, arg0Length));
  }

  /** All entries in the host's order (pseudo-headers first); empty when the map is not available. */
  getPairs(): HeaderPair[] {
    if (record(proxy_get_header_map_pairs(this.type, RETURN_PTR, RETURN_SIZE)) != Status.Ok) return new Array<HeaderPair>();
    const ptr = load<usize>(RETURN_PTR);
    const size = load<usize>(RETURN_SIZE);
    const pairs = deserializePairs(ptr, size);
    if (size != 0) heap.free(ptr);
    return pairs;
  }

  /** The whole map in the wire format (docs/abi.md §1.6), or null when the host refused. */
  getPairsBytes(): ArrayBuffer | null {
    if (record(proxy_get_header_map_pairs(this.type, RETURN_PTR, RETURN_SIZE)) != Status.Ok) return null;
    return takeBytes();
  }

  /** Replaces the whole map with `pairs`. */
  setPairs(pairs: HeaderPair[]): Status {
    const ptr = reserveScratch(maxSerializedSize(pairs));
    const size = serializePairsTo(pairs, ptr);
    return record(proxy_set_header_map_pairs(this.type, ptr, size));
  }

  /** Replaces the whole map with an already serialized one. */
  setPairsBytes(serialized: ArrayBuffer): Status {
    return record(proxy_set_header_map_pairs(this.type, changetype<usize>(serialized), serialized.byteLength));
  }

  /** Envoy's byte size of the map (sum of name and value lengths), or -1 when unavailable. */
  byteSize(): i32 {
    if (record(proxy_get_header_map_size(this.type, RETURN_PTR)) != Status.Ok) return -1;
    return load<i32>(RETURN_PTR);
  }
}

// @ts-ignore: decorator
@lazy export const requestHeaders = new HeaderMap(MapType.HttpRequestHeaders);
// @ts-ignore: decorator
@lazy export const requestTrailers = new HeaderMap(MapType.HttpRequestTrailers);
// @ts-ignore: decorator
@lazy export const responseHeaders = new HeaderMap(MapType.HttpResponseHeaders);
// @ts-ignore: decorator
@lazy export const responseTrailers = new HeaderMap(MapType.HttpResponseTrailers);
// @ts-ignore: decorator
@lazy export const httpCallResponseHeaders = new HeaderMap(MapType.HttpCallResponseHeaders);
// @ts-ignore: decorator
@lazy export const httpCallResponseTrailers = new HeaderMap(MapType.HttpCallResponseTrailers);
// @ts-ignore: decorator
@lazy export const grpcReceiveInitialMetadata = new HeaderMap(MapType.GrpcReceiveInitialMetadata);
// @ts-ignore: decorator
@lazy export const grpcReceiveTrailingMetadata = new HeaderMap(MapType.GrpcReceiveTrailingMetadata);
