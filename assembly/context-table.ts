// Live contexts by id. Envoy hands out ids from one counter, so the low bits spread them well:
// open addressing over a power-of-two table of object addresses, which grows as needed. The table
// is unmanaged memory; a linked list through the contexts keeps them alive for the collector.
import { BaseContext } from "./base-context";

let slots: usize = 0;
let mask: u32 = 0;
let live: u32 = 0;
let newest: BaseContext | null = null;

// @ts-ignore: decorator
@inline
function slot(index: u32): usize {
  return slots + (<usize>index << alignof<usize>());
}

export function findContext(id: u32): BaseContext | null {
  if (slots == 0) return null;
  let i = id & mask;
  let found = load<usize>(slot(i));
  while (found != 0 && changetype<BaseContext>(found).id != id) {
    i = (i + 1) & mask;
    found = load<usize>(slot(i));
  }
  return changetype<BaseContext | null>(found);
}

function place(context: usize): void {
  let i = changetype<BaseContext>(context).id & mask;
  while (load<usize>(slot(i)) != 0) i = (i + 1) & mask;
  store<usize>(slot(i), context);
}

export function addContext(context: BaseContext): void {
  if ((live + 1) << 1 > mask) {
    const old = slots;
    const oldSize = mask + 1;
    mask = mask != 0 ? (mask << 1) | 1 : 15;
    slots = heap.alloc(<usize>(mask + 1) << alignof<usize>());
    memory.fill(slots, 0, <usize>(mask + 1) << alignof<usize>());
    if (old != 0) {
      for (let i: u32 = 0; i < oldSize; i++) {
        const moved = load<usize>(old + (<usize>i << alignof<usize>()));
        if (moved != 0) place(moved);
      }
      heap.free(old);
    }
  }
  place(changetype<usize>(context));
  live++;
  const next = newest;
  context.nextLive = next;
  if (next !== null) next.previousLive = context;
  newest = context;
}

export function removeContext(context: BaseContext): void {
  let i = context.id & mask;
  let found = load<usize>(slot(i));
  while (found != changetype<usize>(context)) {
    if (found == 0) return; // not in the table
    i = (i + 1) & mask;
    found = load<usize>(slot(i));
  }
  store<usize>(slot(i), 0);
  live--;
  // Re-place the rest of the probe run so lookups never stop at the hole.
  for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
    const next = load<usize>(slot(j));
    if (next == 0) break;
    store<usize>(slot(j), 0);
    place(next);
  }
  const previous = context.previousLive;
  const next = context.nextLive;
  if (previous !== null) previous.nextLive = next;
  else newest = next;
  if (next !== null) next.previousLive = previous;
  context.previousLive = null;
  context.nextLive = null;
}
