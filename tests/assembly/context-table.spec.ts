// context-table.ts: chains over a power-of-two table (16 slots first, doubled when there are more
// contexts than slots), newest first; the table is managed, so it keeps its contexts alive.
// The table is module state, so every test removes what it added.
import { BaseContext, ContextKind } from "../../assembly/base-context";
import { addContext, findContext, removeContext } from "../../assembly/context-table";

function make(id: u32): BaseContext {
  return new BaseContext(id, ContextKind.Http);
}

function addAll(ids: u32[]): BaseContext[] {
  const contexts = new Array<BaseContext>();
  for (let i = 0; i < ids.length; i++) {
    const context = make(ids[i]);
    addContext(context);
    contexts.push(context);
  }
  return contexts;
}

/** How many of `contexts` findContext gets back (by identity). */
function found(contexts: BaseContext[]): i32 {
  let count = 0;
  for (let i = 0; i < contexts.length; i++) {
    if (findContext(contexts[i].id) === contexts[i]) count++;
  }
  return count;
}

function removeAll(contexts: BaseContext[]): void {
  for (let i = 0; i < contexts.length; i++) removeContext(contexts[i]);
}

describe("context table", () => {
  it("finds nothing when empty", () => {
    expect(findContext(1)).toBeNull();
    expect(findContext(0)).toBeNull();
  });

  it("adds, finds and removes one context", () => {
    const root = make(1);
    addContext(root);
    expect(findContext(1)).toBe(root);
    expect(findContext(2)).toBeNull();
    removeContext(root);
    expect(findContext(1)).toBeNull();
  });

  it("keeps colliding ids apart and unlinks them from any place in a chain", () => {
    // With 16 slots, 15, 31, 47 and 63 share slot 15 (chained newest first: 63, 47, 31, 15).
    const contexts = addAll([15, 31, 47, 63, 16]);
    expect(found(contexts)).toBe(5);
    expect(findContext(79)).toBeNull(); // same slot, not there
    expect(contexts[3].nextInSlot).toBe(contexts[2]);
    removeContext(contexts[0]); // the end of the chain
    expect(findContext(15)).toBeNull();
    expect(found(contexts.slice(1))).toBe(4);
    removeContext(contexts[2]); // from the middle
    expect(findContext(47)).toBeNull();
    expect(contexts[3].nextInSlot).toBe(contexts[1]);
    expect(findContext(31)).toBe(contexts[1]);
    expect(findContext(63)).toBe(contexts[3]);
    expect(findContext(16)).toBe(contexts[4]);
    removeContext(contexts[3]); // the head
    expect(findContext(31)).toBe(contexts[1]);
    removeContext(contexts[1]);
    removeContext(contexts[4]);
    expect(findContext(63)).toBeNull();
    expect(findContext(16)).toBeNull();
    expect(contexts[3].nextInSlot).toBeNull();
  });

  it("grows and keeps every context findable", () => {
    const ids = new Array<u32>();
    for (let id: u32 = 1; id <= 1000; id++) ids.push(id);
    const contexts = addAll(ids);
    expect(found(contexts)).toBe(1000);
    expect(findContext(1001)).toBeNull();
    // remove the odd ids, then look for everything
    const odd = new Array<BaseContext>();
    const even = new Array<BaseContext>();
    for (let i = 0; i < contexts.length; i++) (contexts[i].id & 1 ? odd : even).push(contexts[i]);
    removeAll(odd);
    expect(found(even)).toBe(500);
    expect(found(odd)).toBe(0);
    removeAll(even);
    expect(found(even)).toBe(0);
  });

  it("handles ids that share low bits at any table size, and extreme ids", () => {
    const ids = new Array<u32>();
    for (let i: u32 = 0; i < 200; i++) ids.push(i << 12); // same low 12 bits: one long run
    ids.push(0xffffffff);
    ids.push(0x80000000 | 7);
    const contexts = addAll(ids);
    expect(found(contexts)).toBe(202);
    // remove from the front of the run in an interleaved order
    for (let i = 0; i < 200; i += 3) removeContext(contexts[i]);
    let stillThere = 0;
    for (let i = 0; i < 202; i++) {
      const expected: BaseContext | null = i < 200 && i % 3 == 0 ? null : contexts[i];
      if (findContext(contexts[i].id) === expected) stillThere++;
    }
    expect(stillThere).toBe(202);
    for (let i = 0; i < 202; i++) if (i >= 200 || i % 3 != 0) removeContext(contexts[i]);
    expect(findContext(0xffffffff)).toBeNull();
    expect(findContext(0)).toBeNull();
  });

  it("can take an id again after it was removed", () => {
    const first = make(42);
    addContext(first);
    removeContext(first);
    const second = make(42);
    addContext(second);
    expect(findContext(42)).toBe(second);
    removeContext(second);
  });

  it("ignores removing a context that is not in the table", () => {
    const kept = make(3);
    addContext(kept);
    removeContext(make(3)); // same id, another object
    removeContext(make(19)); // same slot
    expect(findContext(3)).toBe(kept);
    removeContext(kept);
  });

  it("keeps contexts alive through a collection while they are in the table", () => {
    addAll([900, 901, 902]);
    __collect();
    const ctx = findContext(901)!;
    expect(ctx.id).toBe(901);
    expect(ctx.kind).toBe(ContextKind.Http);
    removeContext(findContext(900)!);
    removeContext(ctx);
    removeContext(findContext(902)!);
  });
});
