// An Envoy-like header map: keys lower-cased on every write, pseudo-headers kept in front,
// repeated keys allowed, `get` returns the first value, `set` replaces all values (remove + add).

import type { Pairs } from "./pairs.ts";

export type HeadersInit = Pairs | ReadonlyArray<readonly [string, string]> | Record<string, string>;

/** Keys seen before → their lower-cased form (header names repeat; a lookup beats scanning the key). */
const LOWERED = new Map<string, string>();
const LOWERED_MAX = 4096;

/** Lower-cases only when needed (most keys already are, and the check is cheaper than the call). */
function lower(key: string): string {
  const known = LOWERED.get(key);
  if (known !== undefined) return known;
  let out = key;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if ((c >= 65 && c <= 90) || c > 127) {
      out = key.toLowerCase();
      break;
    }
  }
  if (key.length <= 64 && LOWERED.size < LOWERED_MAX) LOWERED.set(key, out);
  return out;
}

/** Key lists of recent header records (lower-case, pseudo-headers first), most recent first. */
const SHAPES: string[][] = [];
const SHAPES_MAX = 8;

function shapeStartingWith(key: string): string[] | undefined {
  for (let i = 0; i < SHAPES.length; i++) if (SHAPES[i]![0] === key) return SHAPES[i];
  return undefined;
}

function rememberShape(keys: string[]): void {
  if (keys.length > 64) return;
  SHAPES.unshift(keys);
  if (SHAPES.length > SHAPES_MAX) SHAPES.pop();
}

export class HeaderMap {
  keys: string[] = [];
  values: string[] = [];

  static from(init: HeadersInit | null | undefined): HeaderMap {
    const map = new HeaderMap();
    if (!init) return map;
    if (Array.isArray(init)) {
      // Appends in order while pseudo-headers come first (the usual case); add() places a late one.
      const keys = map.keys;
      const values = map.values;
      let regular = false;
      for (let i = 0; i < init.length; i++) {
        const key = lower(init[i]![0]);
        const value = init[i]![1];
        if (key.charCodeAt(0) !== 58) regular = true;
        else if (regular) {
          map.add(key, value);
          continue;
        }
        keys.push(key);
        values.push(value);
      }
    } else {
      HeaderMap.fillFromRecord(map, init as Record<string, string>);
    }
    return map;
  }

  /**
   * A record's keys, in for-in order, usually repeat a recent record's (the same literal shape): while
   * they do, they are known to be lower-case with pseudo-headers first, and each costs one comparison.
   */
  private static fillFromRecord(map: HeaderMap, init: Record<string, string>): void {
    const keys = map.keys;
    const values = map.values;
    let shape: string[] | undefined;
    /** Every key so far was already lower-case and pushed in order: the keys may become a shape. */
    let plain = true;
    let regular = false;
    let n = 0;
    for (const k in init) {
      const v = init[k];
      const value = typeof v === "string" ? v : String(v);
      if (n === 0) shape = shapeStartingWith(k);
      if (shape !== undefined) {
        if (shape[n] === k) {
          keys.push(k);
          values.push(value);
          n++;
          continue;
        }
        // Another shape after all: what came before is in order, lower-case, pseudo-headers first.
        shape = undefined;
        regular = n > 0 && keys[n - 1]!.charCodeAt(0) !== 58;
      }
      n++;
      const key = lower(k);
      if (key !== k) plain = false;
      if (key.charCodeAt(0) !== 58) regular = true;
      else if (regular) {
        plain = false;
        map.add(key, value);
        continue;
      }
      keys.push(key);
      values.push(value);
    }
    if (shape !== undefined && n === shape.length) return;
    if (plain && n > 0) rememberShape(keys.slice());
  }

  get size(): number {
    return this.keys.length;
  }

  /** Envoy HeaderMap::byteSize(): the sum of key and value lengths in bytes. */
  byteSize(): number {
    let n = 0;
    for (let i = 0; i < this.keys.length; i++) {
      n += Buffer.byteLength(this.keys[i]!) + Buffer.byteLength(this.values[i]!);
    }
    return n;
  }

  get(key: string): string | undefined {
    key = lower(key);
    const i = this.keys.indexOf(key);
    return i < 0 ? undefined : this.values[i];
  }

  getAll(key: string): string[] {
    key = lower(key);
    const out: string[] = [];
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] === key) out.push(this.values[i]!);
    return out;
  }

  has(key: string): boolean {
    return this.keys.indexOf(lower(key)) >= 0;
  }

  add(key: string, value: string): void {
    key = lower(key);
    const keys = this.keys;
    if (key.charCodeAt(0) === 58 /* ':' */) {
      let i = 0;
      while (i < keys.length && keys[i]!.charCodeAt(0) === 58) i++;
      if (i === keys.length) {
        keys.push(key);
        this.values.push(value);
      } else {
        keys.splice(i, 0, key);
        this.values.splice(i, 0, value);
      }
    } else {
      keys.push(key);
      this.values.push(value);
    }
  }

  set(key: string, value: string): void {
    this.remove(key);
    this.add(key, value);
  }

  remove(key: string): void {
    key = lower(key);
    for (let i = this.keys.length - 1; i >= 0; i--) {
      if (this.keys[i] === key) {
        this.keys.splice(i, 1);
        this.values.splice(i, 1);
      }
    }
  }

  clear(): void {
    this.keys.length = 0;
    this.values.length = 0;
  }

  replaceAll(pairs: Pairs): void {
    this.clear();
    for (const [k, v] of pairs) this.add(k, v);
  }

  toPairs(): Pairs {
    const out: Pairs = [];
    for (let i = 0; i < this.keys.length; i++) out.push([this.keys[i]!, this.values[i]!]);
    return out;
  }

  /** Unique keys with comma-joined values, as Envoy exposes a header map to CEL properties. */
  joined(): Pairs {
    const out: Pairs = [];
    const seen = new Map<string, number>();
    for (let i = 0; i < this.keys.length; i++) {
      const k = this.keys[i]!;
      const at = seen.get(k);
      if (at === undefined) {
        seen.set(k, out.length);
        out.push([k, this.values[i]!]);
      } else {
        out[at]![1] += "," + this.values[i]!;
      }
    }
    return out;
  }

  clone(): HeaderMap {
    const m = new HeaderMap();
    m.keys = this.keys.slice();
    m.values = this.values.slice();
    return m;
  }
}
