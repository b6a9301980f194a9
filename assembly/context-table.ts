// Live contexts by id. Envoy hands out ids from one counter, so the low bits spread them well: a
// power-of-two table of chains (contexts sharing a slot are linked through `nextInSlot`, newest
// first), grown when there are more contexts than slots. The table is a managed array, so everything
// in it stays alive for the garbage collector until it is removed.
import { BaseContext } from "./base-context";
import { newReferenceArray } from "./memory";

let table = newReferenceArray<BaseContext | null>(16);
let mask: u32 = 15;
let live: u32 = 0;

/** The context with `id`, or null. The newest context of a slot is found without a loop. */
// @ts-ignore: decorator
@inline
export function findContextInline(id: u32): BaseContext | null {
  const first = unchecked(table[id & mask]);
  return first === null || first.id == id ? first : findFurther(first, id);
}

/** findContextInline as a call, for paths that do not run for every stream callback. */
export function findContext(id: u32): BaseContext | null {
  return findContextInline(id);
}

function findFurther(first: BaseContext, id: u32): BaseContext | null {
  let context = first.nextInSlot;
  while (context !== null && context.id != id) context = context.nextInSlot;
  return context;
}

/** Stores a slot; the collectors the SDK uses by hand need no write barrier, the incremental one does. */
// @ts-ignore: decorator
@inline
function setSlot(slot: u32, context: BaseContext | null): void {
  if (ASC_RUNTIME == 2) unchecked((table[slot] = context));
  else store<usize>(changetype<usize>(table) + (<usize>slot << alignof<usize>()), changetype<usize>(context));
}

// @ts-ignore: decorator
@inline
function link(context: BaseContext): void {
  const slot = context.id & mask;
  context.nextInSlot = unchecked(table[slot]);
  setSlot(slot, context);
}

// @ts-ignore: decorator
@inline
export function addContext(context: BaseContext): void {
  if (live > mask) grow();
  link(context);
  live++;
}

function grow(): void {
  const old = table;
  mask = (mask << 1) | 1;
  table = newReferenceArray<BaseContext | null>(mask + 1);
  for (let i = 0; i < old.length; i++) {
    let moved = unchecked(old[i]);
    while (moved !== null) {
      const next = moved.nextInSlot;
      link(moved);
      moved = next;
    }
  }
}

export function removeContext(context: BaseContext): void {
  const slot = context.id & mask;
  let previous: BaseContext | null = null;
  let current = unchecked(table[slot]);
  while (current !== context) {
    if (current === null) return; // not in the table
    previous = current;
    current = current.nextInSlot;
  }
  const next = context.nextInSlot;
  if (previous === null) setSlot(slot, next);
  else previous.nextInSlot = next;
  context.nextInSlot = null;
  live--;
}
