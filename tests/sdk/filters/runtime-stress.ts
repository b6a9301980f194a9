// A test-only filter (tests/sdk/runtime-stress.test.ts) that stresses the runtime the SDK is built with:
// each HTTP stream is one round that first checks everything kept so far, then allocates objects of
// random kinds and sizes and keeps a random subset reachable (from globals, a static array, pinned
// objects, arrays and maps of other kept objects), drops the rest, grows and shrinks objects and raw
// blocks, and takes blocks the host allocated through malloc. The SDK collects garbage on its own path
// (after callbacks); __finalize records every object of ours the collector frees.
//
// Plugin configuration: the seed of the round's random choices. The stream whose request has the header
// `x-drain` drops everything and collects; the next stream reports what was freed. Every stream logs
// `round=<n> broken=<objects whose content or block is wrong> ...` (see report()).
//
// Content is a function of (seed, position), so a kept object is checked by recomputing it. Blocks are
// checked too: no two live blocks (objects, raw blocks, host blocks) may overlap, an object's block must
// hold its size, and payloads are 16-byte aligned.
export * from "sdk/abi/exports";
import { Action, HttpContext, logInfo, registerRootContext, requestHeaders, RootContext } from "sdk/index";
import { proxy_call_foreign_function } from "sdk/abi/foreign";
import { decimal } from "sdk/decimal";
import { parseInteger } from "sdk/integer";

// ---- random choices and content ----

let rng: u32 = 1;

function next(): u32 {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}

function below(n: u32): u32 {
  return n == 0 ? 0 : next() % n;
}

/** The byte at `index` of content `seed` (the host's "blob" function computes the same). */
// @ts-ignore: decorator
@inline function byteAt(seed: u32, index: u32): u8 {
  return <u8>((seed * 31 + index * 7 + (index >> 8) * 13) ^ (seed >> 8));
}

/** The character at `index` of text `seed`: mostly ASCII letters, some é and €. */
function charAt(seed: u32, index: u32): u16 {
  const b = byteAt(seed, index);
  return b < 200 ? <u16>(97 + b % 26) : b < 240 ? <u16>0xe9 : <u16>0x20ac;
}

function upper(c: u16): u16 {
  return c >= 97 && c <= 122 ? c - 32 : c == 0xe9 ? <u16>0xc9 : c;
}

/** Mostly small sizes, some of a few KiB, a few of tens and hundreds of KiB. */
function randomSize(): u32 {
  const r = below(100);
  if (r < 55) return below(129);
  if (r < 83) return 129 + below(2000);
  if (r < 97) return 2048 + below(30000);
  return 32768 + below(200000);
}

function fill(ptr: usize, seed: u32, from: u32, to: u32): void {
  for (let i = from; i < to; i++) store<u8>(ptr + i, byteAt(seed, i));
}

function filled(ptr: usize, seed: u32, from: u32, to: u32): bool {
  for (let i = from; i < to; i++) if (load<u8>(ptr + i) != byteAt(seed, i)) return false;
  return true;
}

function makeString(seed: u32, length: u32): string {
  // @ts-ignore: a runtime builtin
  const ptr: usize = __new(<usize>length << 1, idof<String>());
  for (let i: u32 = 0; i < length; i++) store<u16>(ptr + (<usize>i << 1), charAt(seed, i));
  return changetype<string>(ptr);
}

function isText(text: string, seed: u32, length: u32, upperCase: bool): bool {
  if (<u32>text.length != length) return false;
  for (let i: u32 = 0; i < length; i++) {
    const c = charAt(seed, i);
    if (text.charCodeAt(i) != (upperCase ? upper(c) : c)) return false;
  }
  return true;
}

function makeBuffer(seed: u32, size: u32): ArrayBuffer {
  const buffer = new ArrayBuffer(<i32>size);
  fill(changetype<usize>(buffer), seed, 0, size);
  return buffer;
}

function isBuffer(buffer: ArrayBuffer, seed: u32, size: u32): bool {
  return <u32>buffer.byteLength == size && filled(changetype<usize>(buffer), seed, 0, size);
}

// ---- blocks: no two live blocks may overlap ----

const SDK_RUNTIME: bool = isDefined(__heapInUse);

/** The end of the block whose payload starts at `payload` (its header is the 4 bytes before). */
function blockEnd(payload: usize): usize {
  const info = load<u32>(payload - 4);
  if (!SDK_RUNTIME) return payload + (info & ~3); // TLSF: the payload size and two flag bits
  if (info < 8) return payload - 4 + ((<usize>info + 1) << 4); // the SDK's runtime: a size class
  const large = info - 8;
  return payload - 4 + ((<usize>5 + (large & 3)) << ((large >> 2) + 5));
}

let blockStarts = new Array<u64>();
let misfits: u32 = 0;

function addBlock(payload: usize): void {
  if (payload < __heap_base) return; // static data
  if (payload & 15) misfits++; // payloads are 16-byte aligned
  blockStarts.push(((<u64>(payload - 4)) << 32) | <u64>blockEnd(payload));
}

function addObject(ptr: usize): void {
  if (ptr == 0 || ptr < __heap_base) return;
  // The object (its 16-byte header and rtSize bytes) must fit its block, and start 16-byte aligned.
  if (ptr + <usize>load<u32>(ptr - 4) > blockEnd(ptr - 16) || (ptr & 15) != 0) misfits++;
  addBlock(ptr - 16);
}

function overlaps(): u32 {
  blockStarts.sort();
  let count: u32 = 0;
  let end: u64 = 0;
  for (let i = 0; i < blockStarts.length; i++) {
    const block = unchecked(blockStarts[i]);
    if (i > 0 && block == unchecked(blockStarts[i - 1])) continue; // the same block reached twice
    if ((block >> 32) < end) count++;
    end = max(end, block & 0xffffffff);
  }
  return count;
}

// ---- kept objects ----

let created: u32 = 0;
let finalized: u32 = 0;
let finalizedTwice: u32 = 0;
let epoch: u32 = 0;

/** Something kept that can check itself; `freed` is set by __finalize, so a freed live object shows. */
class Kept {
  freed: u32 = 0;
  checkedIn: u32 = 0;
  constructor(public seed: u32) {
    created++;
  }
  /** Checks this object and what it holds once per round, and records their blocks. */
  check(): bool {
    if (this.checkedIn == epoch) return true;
    this.checkedIn = epoch;
    addObject(changetype<usize>(this));
    return this.freed == 0 && this.checkContent();
  }
  checkContent(): bool {
    return false;
  }
}

class KeptString extends Kept {
  text: string;
  constructor(seed: u32, readonly length: u32, readonly upperCase: bool) {
    super(seed);
    const text = makeString(seed, length);
    this.text = upperCase ? text.toUpperCase() : text; // toUpperCase allocates generously, then shrinks
  }
  checkContent(): bool {
    addObject(changetype<usize>(this.text));
    return isText(this.text, this.seed, this.length, this.upperCase);
  }
}

class KeptBuffer extends Kept {
  buffer: ArrayBuffer;
  size: u32;
  constructor(seed: u32, size: u32) {
    super(seed);
    this.buffer = makeBuffer(seed, size);
    this.size = size;
  }
  /** Grows or shrinks the buffer where it is when it can (__renew), keeping its content. */
  resize(size: u32): void {
    // @ts-ignore: a runtime builtin
    const ptr: usize = __renew(changetype<usize>(this.buffer), size);
    if (size > this.size) fill(ptr, this.seed, this.size, size);
    this.buffer = changetype<ArrayBuffer>(ptr);
    this.size = size;
  }
  checkContent(): bool {
    addObject(changetype<usize>(this.buffer));
    return isBuffer(this.buffer, this.seed, this.size);
  }
}

/** A view of part of a buffer that nothing else holds. */
class KeptView extends Kept {
  view: Uint8Array;
  constructor(seed: u32, size: u32) {
    super(seed);
    const offset = below(size + 1);
    this.view = Uint8Array.wrap(makeBuffer(seed, size), offset, size - offset);
  }
  checkContent(): bool {
    const view = this.view;
    addObject(changetype<usize>(view));
    addObject(changetype<usize>(view.buffer));
    const offset = <u32>view.byteOffset;
    for (let i = 0; i < view.length; i++) if (unchecked(view[i]) != byteAt(this.seed, offset + <u32>i)) return false;
    return true;
  }
}

/** An array of references: new objects, and objects kept elsewhere too. Grows by push (moves). */
class KeptArray extends Kept {
  items: Kept[] = [];
  count: u32;
  constructor(seed: u32) {
    super(seed);
    const count = below(12);
    for (let i: u32 = 0; i < count; i++) {
      const shared = kept.length > 0 && below(3) == 0;
      this.items.push(shared ? kept[below(<u32>kept.length)] : makeSmall(seed + i));
    }
    this.count = count;
  }
  checkContent(): bool {
    const items = this.items;
    addObject(changetype<usize>(items));
    addObject(load<usize>(changetype<usize>(items))); // its buffer
    if (<u32>items.length != this.count) return false;
    let intact = true;
    for (let i = 0; i < items.length; i++) intact = unchecked(items[i]).check() && intact;
    return intact;
  }
}

class KeptMap extends Kept {
  map: Map<string, ArrayBuffer> = new Map();
  count: u32;
  constructor(seed: u32) {
    super(seed);
    const count = below(10);
    for (let i: u32 = 0; i < count; i++) this.map.set(`${seed}:${i}`, makeBuffer(seed + i, below(300)));
    this.count = count;
  }
  checkContent(): bool {
    const map = this.map;
    addObject(changetype<usize>(map));
    if (<u32>map.size != this.count) return false;
    for (let i: u32 = 0; i < this.count; i++) {
      const key = `${this.seed}:${i}`;
      if (!map.has(key)) return false;
      const value = map.get(key);
      addObject(changetype<usize>(value));
      if (!filled(changetype<usize>(value), this.seed + i, 0, <u32>value.byteLength)) return false;
    }
    return true;
  }
}

class TreeNode {
  left: TreeNode | null = null;
  right: TreeNode | null = null;
  up: TreeNode | null = null; // a cycle with the parent
  label: string;
  constructor(readonly value: u32) {
    this.label = makeString(value, value % 40);
  }
}

/** A small binary tree whose nodes also point at their parents. */
class KeptTree extends Kept {
  root: TreeNode;
  count: u32 = 1;
  constructor(seed: u32) {
    super(seed);
    this.root = new TreeNode(seed);
    const more = below(15);
    for (let i: u32 = 0; i < more; i++) {
      let node = this.root;
      while (true) {
        const goLeft = below(2) == 0;
        const child = goLeft ? node.left : node.right;
        if (child === null) {
          const added = new TreeNode(seed + 1 + i);
          added.up = node;
          if (goLeft) node.left = added;
          else node.right = added;
          break;
        }
        node = child;
      }
      this.count++;
    }
  }
  checkContent(): bool {
    return this.visit(this.root, null) == this.count;
  }
  private visit(node: TreeNode | null, parent: TreeNode | null): u32 {
    if (node === null) return 0;
    addObject(changetype<usize>(node));
    addObject(changetype<usize>(node.label));
    if (node.up !== parent || !isText(node.label, node.value, node.value % 40, false)) return 0x10000;
    return 1 + this.visit(node.left, node) + this.visit(node.right, node);
  }
}

class KeptStaticArray extends Kept {
  texts: StaticArray<string>;
  constructor(seed: u32) {
    super(seed);
    const texts = new StaticArray<string>(<i32>below(8));
    for (let i = 0; i < texts.length; i++) texts[i] = makeString(seed + <u32>i, below(60));
    this.texts = texts;
  }
  checkContent(): bool {
    const texts = this.texts;
    addObject(changetype<usize>(texts));
    for (let i = 0; i < texts.length; i++) {
      const text = texts[i];
      addObject(changetype<usize>(text));
      if (!isText(text, this.seed + <u32>i, <u32>text.length, false)) return false;
    }
    return true;
  }
}

function makeSmall(seed: u32): Kept {
  return below(2) == 0 ? <Kept>new KeptString(seed, below(40), false) : new KeptBuffer(seed, below(200));
}

let seeds: u32 = 0;

function makeKept(): Kept {
  const seed = ++seeds * 1000;
  switch (below(8)) {
    case 0: return new KeptString(seed, randomSize() >> 1, false);
    case 1: return new KeptString(seed, below(300), true);
    case 2: {
      const buffer = new KeptBuffer(seed, randomSize());
      for (let grown = below(4); grown > 0; grown--) buffer.resize(randomSize());
      return buffer;
    }
    case 3: return new KeptView(seed, randomSize());
    case 4: return new KeptArray(seed);
    case 5: return new KeptMap(seed);
    case 6: return new KeptTree(seed);
    default: return new KeptStaticArray(seed);
  }
}

// @ts-ignore: decorator
@global function __finalize(ptr: usize): void {
  const id = load<u32>(ptr - 8);
  if (
    id == idof<KeptString>() || id == idof<KeptBuffer>() || id == idof<KeptView>() || id == idof<KeptArray>() ||
    id == idof<KeptMap>() || id == idof<KeptTree>() || id == idof<KeptStaticArray>()
  ) {
    const object = changetype<Kept>(ptr);
    if (object.freed != 0) finalizedTwice++;
    object.freed = 1;
    finalized++;
  }
}

// Where kept objects are reachable from: a global array, a static array (in the data segment, so its
// slots are the only way to them), and pinned objects known only by address.
let kept: Kept[] = [];
const STATIC_SLOTS: StaticArray<Kept | null> = [null, null, null, null, null, null, null, null];
const STATIC_LIST: Kept[] = [];
let pinned: usize[] = [];

// Blocks of unmanaged memory: ours (heap.alloc / heap.realloc) and the host's (allocated by the host
// through malloc for a foreign function's result), each with the seed of its content.
class RawBlock {
  constructor(public ptr: usize, public size: u32, public seed: u32) {}
}
let rawBlocks: RawBlock[] = [];
let hostBlocks: RawBlock[] = [];

const BLOB = "blob";

/** A foreign function result of `size` bytes of content `seed`, in a block the host got from malloc. */
function hostBlob(seed: u32, size: u32): RawBlock | null {
  const args = new ArrayBuffer(8);
  store<u32>(changetype<usize>(args), seed);
  store<u32>(changetype<usize>(args), size, 4);
  const out = memory.data(8);
  store<u64>(out, 0);
  const name = String.UTF8.encode(BLOB);
  const status = proxy_call_foreign_function(changetype<usize>(name), name.byteLength, changetype<usize>(args), 8, out, out + 4);
  if (status != 0) return null;
  return new RawBlock(load<usize>(out), load<u32>(out + 4), seed);
}

function takeRandom(blocks: RawBlock[]): RawBlock {
  const at = below(<u32>blocks.length);
  const block = blocks[at];
  blocks[at] = blocks[blocks.length - 1];
  blocks.pop();
  return block;
}

// ---- a round ----

let rounds: u32 = 0;
let broken: u32 = 0;
let collections: u32 = 0;
let finalizedAtEnd: u32 = 0;
let heapAtStart: usize = 0;

function checkAll(): void {
  epoch++;
  blockStarts.length = 0;
  misfits = 0;
  for (let i = 0; i < kept.length; i++) if (!kept[i].check()) broken++;
  for (let i = 0; i < STATIC_SLOTS.length; i++) {
    const slot = STATIC_SLOTS[i];
    if (slot !== null && !slot.check()) broken++;
  }
  for (let i = 0; i < STATIC_LIST.length; i++) if (!STATIC_LIST[i].check()) broken++;
  for (let i = 0; i < pinned.length; i++) if (!changetype<Kept>(pinned[i]).check()) broken++;
  for (let i = 0; i < rawBlocks.length; i++) {
    const block = rawBlocks[i];
    addBlock(block.ptr);
    if (!filled(block.ptr, block.seed, 0, block.size)) broken++;
  }
  for (let i = 0; i < hostBlocks.length; i++) {
    const block = hostBlocks[i];
    addBlock(block.ptr);
    if (!filled(block.ptr, block.seed, 0, block.size)) broken++;
  }
}

function keep(object: Kept): void {
  const where = below(100);
  if (where < 70) {
    if (kept.length < 60) kept.push(object);
    else kept[below(<u32>kept.length)] = object; // the one it replaces becomes garbage, unless held elsewhere
  } else if (where < 80) {
    STATIC_SLOTS[below(<u32>STATIC_SLOTS.length)] = object;
  } else if (where < 90) {
    if (STATIC_LIST.length < 10) STATIC_LIST.push(object);
    else STATIC_LIST[below(10)] = object;
  } else {
    // @ts-ignore: a runtime builtin
    if (pinned.length >= 10) __unpin(pinned.pop());
    // @ts-ignore: a runtime builtin
    pinned.push(__pin(changetype<usize>(object)));
  }
}

function mutate(): void {
  // New objects: about a third kept, the rest garbage at once.
  for (let i = 0; i < 40; i++) {
    const object = makeKept();
    if (below(3) == 0) keep(object);
  }
  // Kept objects grow and shrink where they are kept.
  for (let i = 0; i < 3 && kept.length > 0; i++) {
    const object = kept[below(<u32>kept.length)];
    if (object instanceof KeptBuffer) changetype<KeptBuffer>(object).resize(randomSize());
  }
  // Some kept objects are dropped, some pinned ones let go.
  for (let i = below(4); i > 0 && kept.length > 0; i--) {
    const at = below(<u32>kept.length);
    kept[at] = kept[kept.length - 1];
    kept.pop();
  }
  // @ts-ignore: a runtime builtin
  if (pinned.length > 0 && below(3) == 0) __unpin(pinned.pop());
  // Raw blocks: allocated, grown or shrunk (heap.realloc), freed.
  for (let i = 0; i < 4; i++) {
    const op = below(3);
    if (op == 0 || rawBlocks.length == 0) {
      const size = randomSize();
      const seed = ++seeds * 1000;
      const ptr = heap.alloc(size);
      fill(ptr, seed, 0, size);
      rawBlocks.push(new RawBlock(ptr, size, seed));
    } else if (op == 1) {
      const block = rawBlocks[below(<u32>rawBlocks.length)];
      const size = randomSize();
      block.ptr = heap.realloc(block.ptr, size);
      if (size > block.size) fill(block.ptr, block.seed, block.size, size);
      block.size = size;
    } else {
      heap.free(takeRandom(rawBlocks).ptr);
    }
  }
  if (rawBlocks.length > 30) heap.free(takeRandom(rawBlocks).ptr);
  // Host blocks: some checked and freed at once, some kept for later rounds.
  for (let i = 0; i < 3; i++) {
    const seed = ++seeds * 1000;
    const block = hostBlob(seed, below(5) == 0 ? 0 : randomSize());
    if (block === null) {
      broken++;
    } else if (block.size == 0) {
      if (block.ptr != 0) broken++; // Envoy hands out no block for an empty result
    } else if (below(2) == 0) {
      hostBlocks.push(block);
    } else {
      if (!filled(block.ptr, seed, 0, block.size)) broken++;
      heap.free(block.ptr);
    }
  }
  if (hostBlocks.length > 20 || (hostBlocks.length > 0 && below(2) == 0)) heap.free(takeRandom(hostBlocks).ptr);
}

function drain(): void {
  kept = [];
  for (let i = 0; i < STATIC_SLOTS.length; i++) STATIC_SLOTS[i] = null;
  STATIC_LIST.length = 0;
  // @ts-ignore: a runtime builtin
  while (pinned.length > 0) __unpin(pinned.pop());
  pinned = [];
  while (rawBlocks.length > 0) heap.free(rawBlocks.pop().ptr);
  rawBlocks = [];
  while (hostBlocks.length > 0) heap.free(hostBlocks.pop().ptr);
  hostBlocks = [];
  blockStarts = [];
}

function heapInUse(): usize {
  // @ts-ignore: defined by the SDK's runtime only
  if (isDefined(__heapInUse)) return __heapInUse;
  return 0;
}

function report(): void {
  logInfo(
    "round=" + decimal(rounds) + " broken=" + decimal(broken) + " overlaps=" + decimal(overlaps()) +
      " misfits=" + decimal(misfits) + " twice=" + decimal(finalizedTwice) + " created=" + decimal(created) +
      " finalized=" + decimal(finalized) + " collections=" + decimal(collections) + " kept=" + decimal(<u32>kept.length) +
      " heap=" + decimal(<u32>heapInUse()) + " heapAtStart=" + decimal(<u32>heapAtStart),
  );
}

class Root extends RootContext {
  onConfigure(size: u32): bool {
    rng = <u32>parseInteger(this.getPluginConfiguration(), 1) | 1;
    return true;
  }
  createHttpContext(id: u32): HttpContext {
    return new Round(id, this);
  }
}

class Round extends HttpContext {
  onRequestHeaders(count: u32, endOfStream: bool): Action {
    if (finalized != finalizedAtEnd) collections++; // the collector ran after the last round
    rounds++;
    if (rounds == 1) {
      // Nothing managed is on the stack here: a full collection, to know what the heap holds before.
      // @ts-ignore: a runtime builtin
      __collect();
      heapAtStart = heapInUse();
    }
    checkAll();
    if (requestHeaders.has("x-drain")) {
      drain();
    } else if (requestHeaders.has("x-collect")) {
      // @ts-ignore: a runtime builtin
      __collect(); // as above: the stream context is held by the SDK, nothing else is on the stack
    } else {
      mutate();
    }
    report();
    finalizedAtEnd = finalized;
    return Action.Continue;
  }
}

registerRootContext((id: u32): RootContext => new Root(id), "runtime_stress");
