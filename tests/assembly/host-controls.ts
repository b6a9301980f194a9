// The specs' side of their host (spec-host.ts: the emulator's own host functions, HostFunctionHarness):
// host data in, recorded calls out. These `host.*` control imports exist only in spec modules; the SDK's
// own imports stay in assembly/abi. Text crosses as UTF-8 encoded by the standard library, independently
// of the SDK's utf8.ts.

// @ts-ignore: decorator
@external("host", "reset") declare function _reset(): void;
// @ts-ignore: decorator
@external("host", "copyResult") declare function _copyResult(ptr: usize): void;
// @ts-ignore: decorator
@external("host", "failNext") declare function _failNext(name: usize, nameLength: usize, status: u32): void;
// @ts-ignore: decorator
@external("host", "callCount") declare function _callCount(name: usize, nameLength: usize): i32;
// @ts-ignore: decorator
@external("host", "lastCallArgument") declare function _lastCallArgument(name: usize, nameLength: usize, index: i32): i32;
// @ts-ignore: decorator
@external("host", "lastCallBytes") declare function _lastCallBytes(name: usize, nameLength: usize, which: i32): i32;
// @ts-ignore: decorator
@external("host", "setMapAvailable") declare function _setMapAvailable(map: u32, available: bool): void;
// @ts-ignore: decorator
@external("host", "addMapValue") declare function _addMapValue(map: u32, key: usize, keyLength: usize, value: usize, valueLength: usize): void;
// @ts-ignore: decorator
@external("host", "mapSerialized") declare function _mapSerialized(map: u32): i32;
// @ts-ignore: decorator
@external("host", "setBuffer") declare function _setBuffer(type: u32, ptr: usize, length: usize, writable: bool): void;
// @ts-ignore: decorator
@external("host", "bufferContent") declare function _bufferContent(type: u32): i32;
// @ts-ignore: decorator
@external("host", "setProperty") declare function _setProperty(path: usize, pathLength: usize, value: usize, valueLength: usize): void;
// @ts-ignore: decorator
@external("host", "storedProperty") declare function _storedProperty(path: usize, pathLength: usize): i32;
// @ts-ignore: decorator
@external("host", "actForRoot") declare function _actForRoot(root: bool): void;
// @ts-ignore: decorator
@external("host", "setLogLevel") declare function _setLogLevel(level: i32): void;
// @ts-ignore: decorator
@external("host", "logCount") declare function _logCount(): i32;
// @ts-ignore: decorator
@external("host", "logLevelAt") declare function _logLevelAt(index: i32): i32;
// @ts-ignore: decorator
@external("host", "logMessageAt") declare function _logMessageAt(index: i32): i32;
// @ts-ignore: decorator
@external("host", "hostMallocs") declare function _hostMallocs(): i32;
// @ts-ignore: decorator
@external("host", "lastHostPointer") declare function _lastHostPointer(): usize;
// @ts-ignore: decorator
@external("host", "liveHostBlocks") declare function _liveHostBlocks(): i32;
// @ts-ignore: decorator
@external("host", "allocations") declare function _allocations(): i32;
// @ts-ignore: decorator
@external("host", "encodeWithTextEncoder") declare function _encodeWithTextEncoder(ptr: usize, units: i32): i32;
// @ts-ignore: decorator
@external("host", "decodeWithTextDecoder") declare function _decodeWithTextDecoder(ptr: usize, length: usize, fatal: bool): i32;

/** The bytes the host kept for a query that answered `length` (-1: nothing). */
function result(length: i32): ArrayBuffer | null {
  if (length < 0) return null;
  const bytes = new ArrayBuffer(length);
  _copyResult(changetype<usize>(bytes));
  return bytes;
}

function text(bytes: ArrayBuffer | null): string | null {
  return bytes === null ? null : String.UTF8.decode(bytes);
}

/** Forgets all host state: a fresh stream context with its four header maps empty, no bodies or properties, log level trace. */
export function hostReset(): void {
  _reset();
}

/** The next call of host function `name` returns `status` and does nothing else. */
export function hostFailNext(name: string, status: u32): void {
  const bytes = String.UTF8.encode(name);
  _failNext(changetype<usize>(bytes), bytes.byteLength, status);
}

/** How many times the module called host function `name` since the last reset. */
export function hostCallCount(name: string): i32 {
  const bytes = String.UTF8.encode(name);
  return _callCount(changetype<usize>(bytes), bytes.byteLength);
}

/** Argument `index` of the last call of `name` (-1 when it was not called). */
export function hostLastArgument(name: string, index: i32): i32 {
  const bytes = String.UTF8.encode(name);
  return _lastCallArgument(changetype<usize>(bytes), bytes.byteLength, index);
}

/** The `which`-th (pointer, length) argument of the last call of `name`, as the host read it. */
export function hostLastBytes(name: string, which: i32 = 0): ArrayBuffer | null {
  const bytes = String.UTF8.encode(name);
  return result(_lastCallBytes(changetype<usize>(bytes), bytes.byteLength, which));
}

/** The same as text. */
export function hostLastText(name: string, which: i32 = 0): string | null {
  return text(hostLastBytes(name, which));
}

/** Out of phase (false), header map `map` is unavailable, as outside its callback: reads BadArgument, pairs empty, writes BadArgument. */
export function hostSetMapAvailable(map: u32, available: bool): void {
  _setMapAvailable(map, available);
}

/** Appends an entry to the host's map (the host lower-cases the name, as Envoy does). */
export function hostAddHeader(map: u32, name: string, value: string): void {
  const key = String.UTF8.encode(name);
  const data = String.UTF8.encode(value);
  _addMapValue(map, changetype<usize>(key), key.byteLength, changetype<usize>(data), data.byteLength);
}

/** The host's map serialized by the host's own encoder. */
export function hostMapSerialized(map: u32): ArrayBuffer {
  return changetype<ArrayBuffer>(result(_mapSerialized(map)));
}

/** Makes buffer `type` available with `content`. */
export function hostSetBuffer(type: u32, content: ArrayBuffer, writable: bool = false): void {
  _setBuffer(type, changetype<usize>(content), content.byteLength, writable);
}

export function hostSetBufferText(type: u32, content: string, writable: bool = false): void {
  hostSetBuffer(type, String.UTF8.encode(content), writable);
}

/** The buffer's content as the host holds it, or null when the context has none. */
export function hostBufferContent(type: u32): string | null {
  return text(result(_bufferContent(type)));
}

/** A property fixture: the value the host answers for the wire-form path `path` (segments joined by NUL). */
export function hostSetProperty(path: ArrayBuffer, value: ArrayBuffer): void {
  _setProperty(changetype<usize>(path), path.byteLength, changetype<usize>(value), value.byteLength);
}

/** What proxy_set_property stored for the stream at wire-form path `path`, or null. */
export function hostStoredProperty(path: ArrayBuffer): ArrayBuffer | null {
  return result(_storedProperty(changetype<usize>(path), path.byteLength));
}

/** True: calls act for the root context (Envoy: set_property answers NotFound there); false: for the stream. */
export function hostActForRoot(root: bool): void {
  _actForRoot(root);
}

export function hostSetLogLevel(level: i32): void {
  _setLogLevel(level);
}

export function hostLogCount(): i32 {
  return _logCount();
}

export function hostLogLevelAt(index: i32): i32 {
  return _logLevelAt(index);
}

export function hostLogMessageAt(index: i32): string {
  return changetype<string>(text(result(_logMessageAt(index))));
}

/** How many blocks the host obtained from the module's malloc. */
export function hostMallocCount(): i32 {
  return _hostMallocs();
}

/** The pointer malloc returned to the host most recently. */
export function hostLastAllocation(): usize {
  return _lastHostPointer();
}

/** Host-obtained blocks the module has not freed yet. */
export function hostLiveAllocations(): i32 {
  return _liveHostBlocks();
}

/** Heap blocks allocated so far (managed objects and heap.alloc alike). */
export function heapAllocations(): i32 {
  return _allocations();
}

/** JavaScript's TextEncoder applied to `text`'s UTF-16 units. */
export function textEncoderBytes(text: string): ArrayBuffer {
  return changetype<ArrayBuffer>(result(_encodeWithTextEncoder(changetype<usize>(text), text.length)));
}

/** JavaScript's TextDecoder on `length` bytes at `ptr`; with `fatal`, null when they are not UTF-8. */
export function textDecoderString(ptr: usize, length: usize, fatal: bool): string | null {
  const units = result(_decodeWithTextDecoder(ptr, length, fatal));
  return units === null ? null : String.UTF16.decode(units);
}

/** `bytes` as an ArrayBuffer. */
export function bytesOf(bytes: u8[]): ArrayBuffer {
  const buffer = new ArrayBuffer(bytes.length);
  for (let i = 0; i < bytes.length; i++) store<u8>(changetype<usize>(buffer) + i, unchecked(bytes[i]));
  return buffer;
}

/** Lower-case hex with a space between bytes, for readable failures: "02 00 00 00". */
export function hex(buffer: ArrayBuffer | null): string {
  if (buffer === null) return "null";
  let out = "";
  for (let i = 0; i < buffer.byteLength; i++) {
    const b = load<u8>(changetype<usize>(buffer) + i);
    if (i > 0) out += " ";
    out += (b < 16 ? "0" : "") + b.toString(16);
  }
  return out;
}
