// Typed property values and their wire encodings (docs/abi.md §6.1, Envoy serializeValue):
// string/bytes raw, int64/uint64 8-byte LE, double 8-byte IEEE LE, bool 1 byte,
// timestamp/duration int64 nanoseconds LE, map = pairs with encoded values, list = pairs (element, "").

import { encodePairs } from "./pairs.ts";

export type PropertyValue =
  | string
  | Uint8Array
  | number
  | bigint
  | boolean
  | Date
  | { int64: number | bigint }
  | { uint64: number | bigint }
  | { double: number }
  | { bool: boolean }
  | { bytes: Uint8Array | string }
  | { string: string }
  /** Date, milliseconds since the epoch (number) or nanoseconds (bigint). */
  | { timestamp: Date | number | bigint }
  /** Milliseconds (number) or nanoseconds (bigint). */
  | { duration: number | bigint }
  | { map: Record<string, PropertyValue> | ReadonlyArray<readonly [string, PropertyValue]> }
  | { list: ReadonlyArray<PropertyValue> };

function int64(v: number | bigint, signed = true): Buffer {
  const b = Buffer.alloc(8);
  const n = typeof v === "bigint" ? v : BigInt(Math.trunc(v));
  if (signed) b.writeBigInt64LE(BigInt.asIntN(64, n));
  else b.writeBigUInt64LE(BigInt.asUintN(64, n));
  return b;
}

function nanos(v: Date | number | bigint): bigint {
  if (typeof v === "bigint") return v;
  const ms = typeof v === "number" ? v : v.getTime();
  return BigInt(Math.round(ms * 1e6));
}

/** Entries of a map value, for walking deeper path segments. */
export function mapEntries(value: PropertyValue): Array<[string, PropertyValue]> | null {
  if (typeof value !== "object" || value === null || value instanceof Uint8Array || value instanceof Date) return null;
  if ("map" in value) {
    return Array.isArray(value.map)
      ? value.map.map(([k, v]) => [k, v] as [string, PropertyValue])
      : Object.entries(value.map as Record<string, PropertyValue>);
  }
  return null;
}

export function listItems(value: PropertyValue): ReadonlyArray<PropertyValue> | null {
  if (typeof value === "object" && value !== null && !(value instanceof Uint8Array) && !(value instanceof Date)) {
    if ("list" in value) return value.list;
  }
  return null;
}

export function encodePropertyValue(value: PropertyValue): Buffer {
  if (typeof value === "string") return Buffer.from(value, "utf8");
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (typeof value === "bigint") return int64(value);
  if (typeof value === "number") {
    if (Number.isInteger(value)) return int64(value);
    const b = Buffer.alloc(8);
    b.writeDoubleLE(value);
    return b;
  }
  if (typeof value === "boolean") return Buffer.from([value ? 1 : 0]);
  if (value instanceof Date) return int64(nanos(value));
  if ("int64" in value) return int64(value.int64);
  if ("uint64" in value) return int64(value.uint64, false);
  if ("double" in value) {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(value.double);
    return b;
  }
  if ("bool" in value) return Buffer.from([value.bool ? 1 : 0]);
  if ("bytes" in value) return typeof value.bytes === "string" ? Buffer.from(value.bytes) : Buffer.from(value.bytes);
  if ("string" in value) return Buffer.from(value.string, "utf8");
  if ("timestamp" in value) return int64(nanos(value.timestamp));
  if ("duration" in value) return int64(nanos(value.duration));
  if ("map" in value) {
    const entries = mapEntries(value)!;
    return encodePairs(entries.map(([k, v]) => [k, encodePropertyValue(v)] as const));
  }
  if ("list" in value) return encodePairs(value.list.map((v) => [encodePropertyValue(v), ""] as const));
  throw new TypeError(`unsupported property value: ${JSON.stringify(value)}`);
}

/** Splits a property path: NUL-joined segments, or dot-separated when there is no NUL. */
export function propertyPath(path: string | readonly string[]): string[] {
  if (typeof path !== "string") return [...path];
  return path.includes("\0") ? path.split("\0") : path.split(".");
}
