// context-table.ts: open addressing over a power-of-two table (16 slots first, doubled when half
// full), deletion by re-placing the rest of the probe run, and a live list for the collector.
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

  it("keeps colliding ids apart, across the end of the table (wrap-around)", () => {
    // With 16 slots, 15, 31, 47 and 63 all start at slot 15: the run wraps to slots 0, 1, 2.
    const contexts = addAll([15, 31, 47, 63, 16]);
    expect(found(contexts)).toBe(5);
    expect(findContext(79)).toBeNull(); // same start, probes through the wrapped run to a hole
    removeContext(contexts[0]); // the head of the run: the rest must stay reachable
    expect(findContext(15)).toBeNull();
    expect(found(contexts.slice(1))).toBe(4);
    removeContext(contexts[2]); // from the middle of the run
    expect(findContext(47)).toBeNull();
    expect(findContext(31)).toBe(contexts[1]);
    expect(findContext(63)).toBe(contexts[3]);
    expect(findContext(16)).toBe(contexts[4]);
    removeContext(contexts[1]);
    removeContext(contexts[3]);
    removeContext(contexts[4]);
    expect(findContext(63)).toBeNull();
    expect(findContext(16)).toBeNull();
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

  it("links live contexts newest first and unlinks removed ones", () => {
    const contexts = addAll([5, 6, 7]);
    const a = contexts[0];
    const b = contexts[1];
    const c = contexts[2];
    expect(c.nextLive).toBe(b);
    expect(b.nextLive).toBe(a);
    expect(a.previousLive).toBe(b);
    expect(c.previousLive).toBeNull();
    removeContext(b);
    expect(c.nextLive).toBe(a);
    expect(a.previousLive).toBe(c);
    expect(b.nextLive).toBeNull();
    expect(b.previousLive).toBeNull();
    removeContext(c); // the newest: the list head moves to a
    expect(a.previousLive).toBeNull();
    const d = make(8);
    addContext(d);
    expect(d.nextLive).toBe(a);
    expect(a.previousLive).toBe(d);
    removeContext(a);
    removeContext(d);
    expect(d.nextLive).toBeNull();
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
