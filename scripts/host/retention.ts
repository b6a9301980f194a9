// Bounded records for long-lived hosts (the retain* options): a list keeps all its entries, none, or the
// most recent N, trimmed in batches so appending stays amortized O(1).

/** A retain* option as a count: true (default) keeps all, false none, a number the most recent N. */
export function retentionCount(option: string, v: boolean | number | undefined): number {
  if (v === undefined || v === true) return Infinity;
  if (v === false) return 0;
  if (typeof v !== "number" || !(v >= 0)) throw new TypeError(`${option} must be a boolean or a count >= 0, not ${String(v)}`);
  return Math.floor(v);
}

/** Appends `item` unless nothing is kept; drops the oldest entries once twice the count (plus slack) piled up. */
export function appendBounded<T>(list: T[], item: T, keep: number): void {
  if (keep <= 0) return;
  list.push(item);
  if (list.length >= 2 * keep + 64) list.splice(0, list.length - keep);
}

/** Trims `list` to its `keep` most recent entries (when it is read) and returns it. */
export function trimmed<T>(list: T[], keep: number): T[] {
  if (list.length > keep) list.splice(0, list.length - keep);
  return list;
}
