// The SDK's AssemblyScript runtime (asconfig.json "runtime"): a memory manager with size classes and a
// two-colour mark & sweep collector that runs only when the SDK calls __collect (after callbacks, with
// nothing managed on the stack), like AssemblyScript's `minimal` runtime. Proxy-Wasm filters allocate
// the same few sizes again and again (a context per stream, its strings, host blocks of similar sizes),
// so a block freed once is reused as is: allocating and freeing is a list push or pop, without the
// splitting and merging of a general-purpose allocator.
//
// Blocks: a 4-byte header (the size class) before a 16-byte-aligned payload. Classes hold blocks of
// 16, 32, ... 128 bytes, then four sizes per power of two (160, 192, 224, 256, 320, ...), so a block
// wastes at most a quarter of its size. Freed blocks go to their class's list and are never split or
// merged: memory holds the most each class needed at once.
//
// Objects (AssemblyScript's layout, rt/common.ts): the block header, then next-with-colour, previous,
// runtime id and runtime size, then the payload. Every heap object is in one of three circular lists:
// `unmarked` (all objects between collections), `marked` (reached during a collection) and `pinned`.
// Objects in the data segment join a list only while reached (every global is visited from the first
// collection on, so their colour follows the heap's) and are never freed.
//
// The contract of AssemblyScript's own runtimes (rt/tlsf.ts, rt/tcms.ts), kept here: __free of null
// or static data does nothing; __renew frees the block an object moves out of and keeps a pinned object
// pinned; a filter's __finalize is called for every object the collector frees. Tested by
// tests/sdk/runtime.test.ts and tests/sdk/runtime-stress.test.ts.

// The layout the compiler assumes (AssemblyScript's rt/common.ts), restated so editors need not read it.
// @ts-ignore: decorator
@inline const AL_MASK: usize = 15;
// @ts-ignore: decorator
@inline const BLOCK_OVERHEAD: usize = 4;
// @ts-ignore: decorator
@inline const BLOCK_MAXSIZE: usize = (1 << 30) - BLOCK_OVERHEAD;
// @ts-ignore: decorator
@inline const OBJECT_OVERHEAD: usize = 16;
// @ts-ignore: decorator
@inline const TOTAL_OVERHEAD: usize = BLOCK_OVERHEAD + OBJECT_OVERHEAD;
// @ts-ignore: decorator
@inline const OBJECT_MAXSIZE: usize = BLOCK_MAXSIZE - OBJECT_OVERHEAD;

// ---- memory manager ----

/** Classes up to 128 bytes step by 16 (8 classes); above, four per power of two up to 2^30. */
// @ts-ignore: decorator
@inline const SMALL_CLASSES: usize = 8;
// @ts-ignore: decorator
@inline const CLASSES: usize = SMALL_CLASSES + 4 * (30 - 7);

/** The first free block of each class (0: none); a free block's payload starts with the next one. */
// @ts-ignore: decorator
@lazy const freeLists = memory.data(<i32>(CLASSES << alignof<usize>()));
/** Where the never-used memory starts (a block header goes there), and where it ends. */
// @ts-ignore: decorator
@lazy let top: usize = ((__heap_base + BLOCK_OVERHEAD + AL_MASK) & ~AL_MASK) - BLOCK_OVERHEAD;
// @ts-ignore: decorator
@lazy let limit: usize = 0;

/**
 * Bytes in blocks handed out and not freed. The SDK reads it (memory.ts) to collect when the heap has
 * grown by as much as survived the last collection, which bounds memory to about twice what is live.
 */
// @ts-ignore: decorator
@global export let __heapInUse: usize = 0;

/** The class of a block of `size` bytes in all (header included). */
// @ts-ignore: decorator
@inline function classOf(size: usize): usize {
  if (size <= 128) return (size + 15 >> 4) - 1;
  const power = <usize>(31 - clz<u32>(<u32>size - 1)); // 2^power < size <= 2^(power + 1)
  return SMALL_CLASSES + ((power - 7) << 2) + ((size - 1 >> (power - 2)) & 3);
}

/** The size in all (header included) of blocks of class `index`. */
// @ts-ignore: decorator
@inline function classSize(index: usize): usize {
  if (index < SMALL_CLASSES) return (index + 1) << 4;
  const large = index - SMALL_CLASSES;
  return (4 + (large & 3) + 1) << ((large >> 2) + 5);
}

/** A fresh block of class `index` from the never-used memory, growing memory when needed. */
function carve(index: usize): usize {
  const block = top;
  const end = block + classSize(index);
  if (end < block) unreachable(); // past 4 GiB: out of memory
  if (end > limit) {
    const pages = memory.size();
    limit = <usize>pages << 16;
    if (end > limit) {
      const needed = <i32>((end - limit + 0xffff) >>> 16);
      // Grow by at least an eighth of the memory so a growing heap does not grow page by page.
      if (memory.grow(max(needed, pages >> 3)) < 0 && memory.grow(needed) < 0) unreachable(); // out of memory
      limit = <usize>memory.size() << 16;
    }
  }
  top = end;
  store<usize>(block, index);
  return block + BLOCK_OVERHEAD;
}

// @ts-ignore: decorator
@global @unsafe
export function __alloc(size: usize): usize {
  if (size > BLOCK_MAXSIZE) unreachable(); // larger than any memory
  const index = classOf(size + BLOCK_OVERHEAD);
  __heapInUse += classSize(index);
  const head = freeLists + (index << alignof<usize>());
  const free = load<usize>(head);
  if (free == 0) return carve(index);
  store<usize>(head, load<usize>(free));
  return free;
}

// @ts-ignore: decorator
@global @unsafe
export function __free(ptr: usize): void {
  if (ptr < __heap_base) return; // null or static data: nothing to free (as AssemblyScript's TLSF)
  release(ptr);
}

/** __free's work, inlined in the collector's sweep. */
// @ts-ignore: decorator
@inline function release(ptr: usize): void {
  const index = load<usize>(ptr - BLOCK_OVERHEAD);
  __heapInUse -= classSize(index);
  const head = freeLists + (index << alignof<usize>());
  store<usize>(ptr, load<usize>(head));
  store<usize>(head, ptr);
}

// @ts-ignore: decorator
@global @unsafe
export function __realloc(ptr: usize, size: usize): usize {
  const index = load<usize>(ptr - BLOCK_OVERHEAD);
  const capacity = classSize(index) - BLOCK_OVERHEAD;
  if (size <= capacity && size + BLOCK_OVERHEAD > (index != 0 ? classSize(index - 1) : 0)) return ptr;
  const moved = __alloc(size);
  memory.copy(moved, ptr, min(size, capacity));
  __free(ptr);
  return moved;
}

// ---- garbage collector ----

/** The header of a managed object (rt/common.ts OBJECT, with the collector's two words named). */
// @ts-ignore: decorator
@unmanaged class Header {
  /** The block header: the size class. */
  mmInfo: usize = 0;
  /** The next object in its list, with the colour in the low bits. */
  nextWithColor: usize = 0;
  previous: Header = changetype<Header>(0);
  rtId: u32 = 0;
  rtSize: u32 = 0;

  // @ts-ignore: decorator
  @inline get next(): Header {
    return changetype<Header>(this.nextWithColor & ~3);
  }

  // @ts-ignore: decorator
  @inline get color(): usize {
    return this.nextWithColor & 3;
  }

  /** Takes the object out of its list; static objects not yet in one stay as they are. */
  // @ts-ignore: decorator
  @inline unlink(): void {
    const next = this.next;
    if (changetype<usize>(next) == 0) return;
    const previous = this.previous;
    next.previous = previous;
    previous.nextWithColor = changetype<usize>(next) | previous.color;
  }

  /** Appends the object to `list` with `color`. */
  // @ts-ignore: decorator
  @inline linkTo(list: Header, color: usize): void {
    const last = list.previous;
    this.nextWithColor = changetype<usize>(list) | color;
    this.previous = last;
    last.nextWithColor = changetype<usize>(this) | last.color;
    list.previous = this;
  }
}

/** Colours: `unmarkedColor` and its opposite swap after every collection; pinned objects are 3. */
// @ts-ignore: decorator
@inline const PINNED: usize = 3;
// @ts-ignore: decorator
@lazy let unmarkedColor: usize = 0;

/** Makes the static `list` head an empty list. */
function emptyList(list: Header): Header {
  list.nextWithColor = changetype<usize>(list);
  list.previous = list;
  return list;
}

// @ts-ignore: decorator
@lazy let unmarked = emptyList(changetype<Header>(memory.data(offsetof<Header>())));
// @ts-ignore: decorator
@lazy let marked = emptyList(changetype<Header>(memory.data(offsetof<Header>())));
// @ts-ignore: decorator
@lazy let pinned = emptyList(changetype<Header>(memory.data(offsetof<Header>())));

// @ts-ignore: decorator
@global @unsafe
export function __new(size: usize, id: u32): usize {
  if (size > OBJECT_MAXSIZE) unreachable(); // larger than any memory
  // Small objects (a context, a short string) from their free list, or else from never-used memory,
  // without a call: in an interpreter a call costs more than the allocation itself.
  const total = TOTAL_OVERHEAD + size;
  const index = (total + 15 >> 4) - 1;
  const head = freeLists + (index << alignof<usize>());
  const blockSize = (index + 1) << 4;
  let block: usize = 0;
  if (total <= 128) {
    block = load<usize>(head);
    if (block != 0) {
      store<usize>(head, load<usize>(block));
      __heapInUse += blockSize;
    } else if (top + blockSize <= limit) {
      // carve()'s work when memory need not grow (a configuration's many small objects are all new).
      store<usize>(top, index);
      block = top + BLOCK_OVERHEAD;
      top += blockSize;
      __heapInUse += blockSize;
    }
  }
  if (block == 0) block = __alloc(OBJECT_OVERHEAD + size);
  const header = changetype<Header>(block - BLOCK_OVERHEAD);
  header.rtId = id;
  header.rtSize = <u32>size;
  header.linkTo(unmarked, unmarkedColor);
  return changetype<usize>(header) + TOTAL_OVERHEAD;
}

// @ts-ignore: decorator
@global @unsafe
export function __renew(oldPtr: usize, size: usize): usize {
  const old = changetype<Header>(oldPtr - TOTAL_OVERHEAD);
  if (oldPtr >= __heap_base && size <= classSize(load<usize>(changetype<usize>(old))) - TOTAL_OVERHEAD) {
    old.rtSize = <u32>size;
    return oldPtr;
  }
  const ptr = __new(size, old.rtId);
  memory.copy(ptr, oldPtr, min(size, <usize>old.rtSize));
  if (oldPtr >= __heap_base) {
    // The object moved (static data is copied to the heap and stays): like AssemblyScript's runtimes,
    // free the old block now (the caller holds only the new one; it is not finalized) and keep a pinned
    // object pinned.
    if (old.color == PINNED) {
      const moved = changetype<Header>(ptr - TOTAL_OVERHEAD);
      moved.unlink();
      moved.linkTo(pinned, PINNED);
    }
    old.unlink();
    release(changetype<usize>(old) + BLOCK_OVERHEAD);
  }
  return ptr;
}

// @ts-ignore: decorator
@global @unsafe
export function __link(parentPtr: usize, childPtr: usize, expectMultiple: bool): void {}

// @ts-ignore: decorator
@global @unsafe
export function __visit(ptr: usize, cookie: i32): void {
  if (ptr == 0) return;
  const header = changetype<Header>(ptr - TOTAL_OVERHEAD);
  if (header.color == unmarkedColor) {
    header.unlink();
    header.linkTo(marked, unmarkedColor ^ 1);
  }
}

// @ts-ignore: decorator
@global @unsafe
export function __pin(ptr: usize): usize {
  if (ptr != 0) {
    const header = changetype<Header>(ptr - TOTAL_OVERHEAD);
    if (header.color == PINNED) unreachable(); // already pinned
    header.unlink();
    header.linkTo(pinned, PINNED);
  }
  return ptr;
}

// @ts-ignore: decorator
@global @unsafe
export function __unpin(ptr: usize): void {
  if (ptr == 0) return;
  const header = changetype<Header>(ptr - TOTAL_OVERHEAD);
  if (header.color != PINNED) unreachable(); // not pinned
  header.unlink();
  header.linkTo(unmarked, unmarkedColor);
}

// @ts-ignore: decorator
@global @unsafe
export function __collect(): void {
  // Mark: the globals and the members of pinned objects, then the members of everything marked,
  // which appends what they reach to the list being walked.
  // @ts-ignore: generated by the compiler
  __visit_globals(0);
  let header = pinned.next;
  while (header != pinned) {
    // @ts-ignore: generated by the compiler
    __visit_members(changetype<usize>(header) + TOTAL_OVERHEAD, 0);
    header = header.next;
  }
  header = marked.next;
  while (header != marked) {
    // ArrayBuffers and strings (most objects of a configuration) hold no references: no call for them.
    // Their ids are AssemblyScript's fixed 1 and 2, so one unsigned comparison tells them apart.
    // @ts-ignore: generated by the compiler
    if (header.rtId - idof<ArrayBuffer>() > idof<String>() - idof<ArrayBuffer>()) __visit_members(changetype<usize>(header) + TOTAL_OVERHEAD, 0);
    header = header.next;
  }
  // Sweep: what is still unmarked is garbage (static objects only leave the list).
  header = unmarked.next;
  while (header != unmarked) {
    const next = header.next;
    if (changetype<usize>(header) < __heap_base) {
      header.nextWithColor = 0;
      header.previous = changetype<Header>(0);
    } else {
      // @ts-ignore: a filter may define it (AssemblyScript's runtimes call it for every object they free)
      if (isDefined(__finalize)) __finalize(changetype<usize>(header) + TOTAL_OVERHEAD);
      release(changetype<usize>(header) + BLOCK_OVERHEAD);
    }
    header = next;
  }
  // The marked objects are the unmarked ones of the next collection.
  const emptied = unmarked;
  emptied.nextWithColor = changetype<usize>(emptied);
  emptied.previous = emptied;
  unmarked = marked;
  marked = emptied;
  unmarkedColor ^= 1;
}
