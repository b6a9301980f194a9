// An Envoy-like header map: keys lower-cased on every write, pseudo-headers kept in front,
// repeated keys allowed, `get` returns the first value, `set` replaces all values (remove + add).

import type { Pairs } from "./pairs.ts";

export type HeadersInit = Pairs | ReadonlyArray<readonly [string, string]> | Record<string, string>;

/** Lower-cases only when needed (most keys already are, and the check is cheaper than the call). */
function lower(key: string): string {
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if ((c >= 65 && c <= 90) || c > 127) return key.toLowerCase();
  }
  return key;
}

export class HeaderMap {
  keys: string[] = [];
  values: string[] = [];

  static from(init: HeadersInit | null | undefined): HeaderMap {
    const map = new HeaderMap();
    if (!init) return map;
    if (Array.isArray(init)) {
      for (let i = 0; i < init.length; i++) map.add(init[i]![0], init[i]![1]);
    } else {
      for (const k in init) map.add(k, String((init as Record<string, string>)[k]));
    }
    return map;
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
