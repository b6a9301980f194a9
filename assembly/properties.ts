// Properties (Envoy attributes such as request.path, source.address, plugin_root_id).
// A path is a list of segments; on the wire they are joined with NUL bytes (docs/abi.md §6.1).
import { proxy_get_property, proxy_set_property } from "./abi/properties";
import { reserveScratch, RETURN_PTR, RETURN_SIZE, takeBytes, takeString } from "./memory";
import { deserializePairs, HeaderPair } from "./pairs";
import { encodeUtf8, maxUtf8Length } from "./utf8";
import { record, Status } from "./status";

/** Writes `path` NUL-joined into scratch (with `extra` spare bytes after it); returns its length. */
function encodePath(path: string[], extra: usize = 0): usize {
  let size: usize = extra;
  for (let i = 0; i < path.length; i++) size += maxUtf8Length(unchecked(path[i])) + 1;
  const base = reserveScratch(size);
  let at = base;
  for (let i = 0; i < path.length; i++) {
    if (i > 0) store<u8>(at++, 0);
    at += encodeUtf8(unchecked(path[i]), at);
  }
  return at - base;
}

/** The wire form of a property path (segments joined with NUL), as bytes. */
export function serializePropertyPath(path: string[]): ArrayBuffer {
  const size = encodePath(path);
  const bytes = new ArrayBuffer(<i32>size);
  memory.copy(changetype<usize>(bytes), reserveScratch(0), size);
  return bytes;
}

function fetch(path: string[]): bool {
  const size = encodePath(path);
  return record(proxy_get_property(reserveScratch(0), size, RETURN_PTR, RETURN_SIZE)) == Status.Ok;
}

/** The raw value, or null when missing (lastStatus() says why). */
export function getProperty(path: string[]): ArrayBuffer | null {
  return fetch(path) ? takeBytes() : null;
}

/** A string-valued property (request.path, plugin_root_id, ...), or null when missing. */
export function getPropertyString(path: string[]): string | null {
  return fetch(path) ? takeString() : null;
}

/** An int/uint/duration/timestamp property (8 bytes, little-endian), or `fallback` when missing or not 8 bytes. */
export function getPropertyInt64(path: string[], fallback: i64 = 0): i64 {
  const bytes = getProperty(path);
  if (bytes === null || bytes.byteLength != 8) return fallback;
  return load<i64>(changetype<usize>(bytes));
}

/** A bool property (1 byte), or `fallback` when missing. */
export function getPropertyBool(path: string[], fallback: bool = false): bool {
  const bytes = getProperty(path);
  if (bytes === null || bytes.byteLength != 1) return fallback;
  return load<u8>(changetype<usize>(bytes)) != 0;
}

/** A timestamp property (request.time, ...) in nanoseconds since the epoch, or `fallback`. */
export function getPropertyTimestampNanoseconds(path: string[], fallback: i64 = 0): i64 {
  return getPropertyInt64(path, fallback);
}

/** A map-valued property (request.headers, ...) as pairs, or null when missing. */
export function getPropertyMap(path: string[]): HeaderPair[] | null {
  if (!fetch(path)) return null;
  const ptr = load<usize>(RETURN_PTR);
  const size = load<usize>(RETURN_SIZE);
  const pairs = deserializePairs(ptr, size);
  if (size != 0) heap.free(ptr);
  return pairs;
}

/** The path `plugin_root_id` as UTF-8 bytes, ready for the host: smaller than a string and its encoding. */
const PLUGIN_ROOT_ID = memory.data<u8>([0x70, 0x6c, 0x75, 0x67, 0x69, 0x6e, 0x5f, 0x72, 0x6f, 0x6f, 0x74, 0x5f, 0x69, 0x64]);

/** The host's plugin_root_id ("" when it has none). */
export function pluginRootId(): string {
  return record(proxy_get_property(PLUGIN_ROOT_ID, 14, RETURN_PTR, RETURN_SIZE)) == Status.Ok ? takeString() : "";
}

/** Sets a property (Envoy stores it as filter state `wasm.<path>`); NotFound outside a stream. */
export function setProperty(path: string[], value: ArrayBuffer): Status {
  const size = encodePath(path);
  return record(proxy_set_property(reserveScratch(0), size, changetype<usize>(value), value.byteLength));
}

export function setPropertyString(path: string[], value: string): Status {
  const pathSize = encodePath(path, maxUtf8Length(value));
  const base = reserveScratch(0);
  const valueSize = encodeUtf8(value, base + pathSize);
  return record(proxy_set_property(base, pathSize, base + pathSize, valueSize));
}
