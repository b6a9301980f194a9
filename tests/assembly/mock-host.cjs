// A fake Proxy-Wasm host for the as-pect specs. It provides the module's `env.proxy_*` imports with
// Envoy's answers (docs/abi.md §1.4, §2.7, §2.13): host data is written through the module's exported
// memory into blocks from its exported `malloc` (none for empty results, which are ptr=0,size=0),
// and every call is recorded with the bytes it passed. Specs steer it through the `mock.*` imports
// declared in tests/assembly/mock.ts. Imports the fake does not know (features added later) are
// recorded and answer Unimplemented (12).
"use strict";

const OK = 0;
const NOT_FOUND = 1;
const BAD_ARGUMENT = 2;
const UNIMPLEMENTED = 12;
const PAIRS_MAX_COUNT = 1024;
const PAIRS_MAX_BYTES = 1 << 20;

/** Which (pointer, length) argument pairs each host call passes into the host, by argument index. */
const BYTE_ARGUMENTS = {
  proxy_log: [[1, 2]],
  proxy_set_buffer_bytes: [[3, 4]],
  proxy_set_header_map_pairs: [[1, 2]],
  proxy_get_header_map_value: [[1, 2]],
  proxy_add_header_map_value: [[1, 2], [3, 4]],
  proxy_replace_header_map_value: [[1, 2], [3, 4]],
  proxy_remove_header_map_value: [[1, 2]],
  proxy_get_property: [[0, 1]],
  proxy_set_property: [[0, 1], [2, 3]],
  proxy_send_local_response: [[1, 2], [3, 4], [5, 6]],
};

const latin1 = (bytes) => Buffer.from(bytes).toString("latin1");

/** Envoy lower-cases header names (ASCII only) on every write. */
function lowerAscii(bytes) {
  const out = Buffer.from(bytes);
  for (let i = 0; i < out.length; i++) if (out[i] >= 0x41 && out[i] <= 0x5a) out[i] |= 0x20;
  return out;
}

function serializePairs(pairs) {
  let size = 4;
  for (const [k, v] of pairs) size += 8 + k.length + 1 + v.length + 1;
  const out = Buffer.alloc(size);
  out.writeUInt32LE(pairs.length, 0);
  let sizes = 4;
  let data = 4 + 8 * pairs.length;
  for (const [k, v] of pairs) {
    out.writeUInt32LE(k.length, sizes);
    out.writeUInt32LE(v.length, sizes + 4);
    sizes += 8;
    Buffer.from(k).copy(out, data);
    data += k.length + 1;
    Buffer.from(v).copy(out, data);
    data += v.length + 1;
  }
  return out;
}

/** cpp-host pairs_util.cc: anything malformed or over the limits decodes to an empty list. */
function deserializePairs(bytes) {
  const n = bytes.length;
  if (n < 4 || n > PAIRS_MAX_BYTES) return [];
  const buf = Buffer.from(bytes);
  const count = buf.readUInt32LE(0);
  if (count > PAIRS_MAX_COUNT || 4 + 8 * count > n) return [];
  let data = 4 + 8 * count;
  const pairs = [];
  for (let i = 0; i < count; i++) {
    const kl = buf.readUInt32LE(4 + 8 * i);
    const vl = buf.readUInt32LE(8 + 8 * i);
    if (data + kl + 1 > n || buf[data + kl] !== 0) return [];
    const k = buf.subarray(data, data + kl);
    data += kl + 1;
    if (data + vl + 1 > n || buf[data + vl] !== 0) return [];
    const v = buf.subarray(data, data + vl);
    data += vl + 1;
    pairs.push([Buffer.from(k), Buffer.from(v)]);
  }
  return data === n ? pairs : [];
}

class MockHost {
  constructor(binary) {
    this.importNames = WebAssembly.Module.imports(new WebAssembly.Module(binary))
      .filter((i) => i.module === "env" && i.kind === "function")
      .map((i) => i.name);
    this.exports = null;
    this.allocations = 0;
    this.reset();
  }

  reset() {
    this.calls = [];
    this.forced = new Map();
    this.maps = Array.from({ length: 8 }, () => ({ available: true, pairs: [] }));
    this.buffers = Array.from({ length: 9 }, () => ({ available: false, writable: false, bytes: Buffer.alloc(0) }));
    this.properties = new Map();
    this.inStream = true;
    this.logLevel = 0;
    this.logs = [];
    this.timeNanoseconds = 0n;
    this.tickPeriod = 0;
    this.hostBlocks = new Map(); // rtrace block id -> pointer malloc returned
    this.hostMallocs = 0;
    this.lastHostPointer = 0;
    this.result = Buffer.alloc(0);
  }

  attach(exports) {
    this.exports = exports;
  }

  /** Counts every heap allocation and notices when a block the host allocated is freed. */
  watchAllocations(rtrace) {
    const onalloc = rtrace.onalloc;
    const onfree = rtrace.onfree;
    rtrace.onalloc = (block) => {
      this.allocations++;
      if (this.inMalloc) this.mallocBlock = block;
      onalloc(block);
    };
    rtrace.onfree = (block) => {
      this.hostBlocks.delete(block);
      onfree(block);
    };
  }

  bytes() {
    return new Uint8Array(this.exports.memory.buffer);
  }

  view() {
    return new DataView(this.exports.memory.buffer);
  }

  read(ptr, len) {
    return Buffer.from(this.bytes().slice(ptr >>> 0, (ptr >>> 0) + (len >>> 0)));
  }

  readText(ptr, len) {
    return this.read(ptr, len).toString("utf8");
  }

  /** Hands `data` to the module like cpp-host's copyToPointerSize: one malloc per non-empty block. */
  answer(data, ptrOut, sizeOut) {
    let ptr = 0;
    if (data.length > 0) {
      if (typeof this.exports.malloc !== "function") throw new Error("the spec must export malloc for host answers");
      this.inMalloc = true;
      this.mallocBlock = undefined;
      try {
        ptr = this.exports.malloc(data.length) >>> 0;
      } finally {
        this.inMalloc = false;
      }
      this.hostMallocs++;
      this.lastHostPointer = ptr;
      if (this.mallocBlock !== undefined) this.hostBlocks.set(this.mallocBlock, ptr);
      this.bytes().set(data, ptr);
    }
    const view = this.view();
    view.setUint32(ptrOut, ptr, true);
    view.setUint32(sizeOut, data.length, true);
    return OK;
  }

  // --- env.proxy_* ---------------------------------------------------------------------------------

  envImports() {
    const env = {};
    const known = this.hostFunctions();
    for (const name of new Set([...Object.keys(known), ...this.importNames])) {
      if (!name.startsWith("proxy_")) continue;
      const implementation = known[name] ?? (() => UNIMPLEMENTED);
      env[name] = (...args) => {
        const ranges = BYTE_ARGUMENTS[name] ?? [];
        this.calls.push({ name, args, bytes: ranges.map(([p, l]) => this.read(args[p], args[l])) });
        const queue = this.forced.get(name);
        if (queue !== undefined && queue.length > 0) return queue.shift();
        return implementation(...args);
      };
    }
    return env;
  }

  map(type) {
    return type >>> 0 < this.maps.length ? this.maps[type] : null;
  }

  writableMap(type) {
    const map = this.map(type);
    return map !== null && map.available ? map : null;
  }

  buffer(type) {
    return type >>> 0 < this.buffers.length ? this.buffers[type] : null;
  }

  hostFunctions() {
    return {
      proxy_log: (level, ptr, len) => {
        if (level >>> 0 > 5) return BAD_ARGUMENT;
        this.logs.push({ level, message: this.readText(ptr, len) });
        return OK;
      },
      proxy_get_log_level: (out) => {
        this.view().setUint32(out, this.logLevel, true);
        return OK;
      },
      proxy_get_current_time_nanoseconds: (out) => {
        this.view().setBigUint64(out, this.timeNanoseconds, true);
        return OK;
      },
      proxy_set_tick_period_milliseconds: (ms) => {
        this.tickPeriod = ms >>> 0;
        return OK;
      },
      proxy_get_buffer_bytes: (type, start, max, ptrOut, sizeOut) => {
        const buffer = this.buffer(type);
        if (buffer === null) return BAD_ARGUMENT;
        if (!buffer.available) return NOT_FOUND;
        const from = Math.min(start >>> 0, buffer.bytes.length);
        const to = Math.min(from + (max >>> 0), buffer.bytes.length);
        return this.answer(buffer.bytes.subarray(from, to), ptrOut, sizeOut);
      },
      proxy_set_buffer_bytes: (type, start, size, ptr, len) => {
        const buffer = this.buffer(type);
        if (buffer === null) return BAD_ARGUMENT;
        if (!buffer.available) return NOT_FOUND;
        if (!buffer.writable) return BAD_ARGUMENT;
        const data = this.read(ptr, len);
        const old = buffer.bytes;
        start >>>= 0;
        size >>>= 0;
        if (start === 0) buffer.bytes = Buffer.concat([data, old.subarray(Math.min(size, old.length))]);
        else if (start >= old.length) buffer.bytes = Buffer.concat([old, data]);
        else return BAD_ARGUMENT;
        return OK;
      },
      proxy_get_buffer_status: (type, lengthOut, flagsOut) => {
        const buffer = this.buffer(type);
        if (buffer === null) return BAD_ARGUMENT;
        if (!buffer.available) return NOT_FOUND;
        const view = this.view();
        view.setUint32(lengthOut, buffer.bytes.length, true);
        view.setUint32(flagsOut, 0, true);
        return OK;
      },
      proxy_get_header_map_pairs: (type, ptrOut, sizeOut) => {
        const map = this.map(type);
        if (map === null) return BAD_ARGUMENT;
        const pairs = map.available ? map.pairs : [];
        return this.answer(pairs.length > 0 ? serializePairs(pairs) : Buffer.alloc(0), ptrOut, sizeOut);
      },
      proxy_set_header_map_pairs: (type, ptr, len) => {
        const map = this.writableMap(type);
        if (map === null) return BAD_ARGUMENT;
        map.pairs = deserializePairs(this.read(ptr, len)).map(([k, v]) => [lowerAscii(k), v]);
        return OK;
      },
      proxy_get_header_map_value: (type, keyPtr, keyLen, ptrOut, sizeOut) => {
        const map = this.writableMap(type);
        if (map === null) return BAD_ARGUMENT;
        const key = lowerAscii(this.read(keyPtr, keyLen));
        const found = map.pairs.find(([k]) => k.equals(key));
        if (found === undefined) return NOT_FOUND;
        return this.answer(found[1], ptrOut, sizeOut);
      },
      proxy_add_header_map_value: (type, keyPtr, keyLen, valuePtr, valueLen) => {
        const map = this.writableMap(type);
        if (map === null) return BAD_ARGUMENT;
        map.pairs.push([lowerAscii(this.read(keyPtr, keyLen)), this.read(valuePtr, valueLen)]);
        return OK;
      },
      proxy_replace_header_map_value: (type, keyPtr, keyLen, valuePtr, valueLen) => {
        const map = this.writableMap(type);
        if (map === null) return BAD_ARGUMENT;
        const key = lowerAscii(this.read(keyPtr, keyLen));
        const value = this.read(valuePtr, valueLen);
        const at = map.pairs.findIndex(([k]) => k.equals(key));
        if (at < 0) map.pairs.push([key, value]);
        else {
          map.pairs[at] = [key, value];
          map.pairs = map.pairs.filter(([k], i) => i === at || !k.equals(key));
        }
        return OK;
      },
      proxy_remove_header_map_value: (type, keyPtr, keyLen) => {
        const map = this.writableMap(type);
        if (map === null) return BAD_ARGUMENT;
        const key = lowerAscii(this.read(keyPtr, keyLen));
        map.pairs = map.pairs.filter(([k]) => !k.equals(key));
        return OK;
      },
      proxy_get_header_map_size: (type, sizeOut) => {
        const map = this.writableMap(type);
        if (map === null) return BAD_ARGUMENT;
        this.view().setUint32(sizeOut, map.pairs.reduce((sum, [k, v]) => sum + k.length + v.length, 0), true);
        return OK;
      },
      proxy_get_property: (pathPtr, pathLen, ptrOut, sizeOut) => {
        const value = this.properties.get(latin1(this.read(pathPtr, pathLen)));
        if (value === undefined) return NOT_FOUND;
        return this.answer(value, ptrOut, sizeOut);
      },
      proxy_set_property: (pathPtr, pathLen, valuePtr, valueLen) => {
        if (!this.inStream) return NOT_FOUND; // Envoy: no stream info on a root context
        this.properties.set(latin1(this.read(pathPtr, pathLen)), this.read(valuePtr, valueLen));
        return OK;
      },
      proxy_send_local_response: () => OK,
      proxy_continue_stream: (type) => (type >>> 0 > 3 ? BAD_ARGUMENT : type === 3 ? UNIMPLEMENTED : OK),
      proxy_close_stream: (type) => (type >>> 0 > 3 ? BAD_ARGUMENT : OK),
      proxy_done: () => NOT_FOUND,
      proxy_set_effective_context: () => BAD_ARGUMENT,
    };
  }

  // --- mock.* (the specs' control panel, see mock.ts) ------------------------------------------------

  /** Keeps `bytes` for the next mock.copyResult and returns its length. */
  keep(bytes) {
    this.result = Buffer.from(bytes);
    return this.result.length;
  }

  lastCall(namePtr, nameLen) {
    const name = this.readText(namePtr, nameLen);
    for (let i = this.calls.length - 1; i >= 0; i--) if (this.calls[i].name === name) return this.calls[i];
    return null;
  }

  controlImports() {
    return {
      reset: () => this.reset(),
      copyResult: (ptr) => this.bytes().set(this.result, ptr),
      failNext: (namePtr, nameLen, status) => {
        const name = this.readText(namePtr, nameLen);
        if (!this.forced.has(name)) this.forced.set(name, []);
        this.forced.get(name).push(status);
      },
      callCount: (namePtr, nameLen) => {
        const name = this.readText(namePtr, nameLen);
        return this.calls.filter((call) => call.name === name).length;
      },
      lastCallArgument: (namePtr, nameLen, index) => {
        const call = this.lastCall(namePtr, nameLen);
        return call === null ? -1 : Number(call.args[index]);
      },
      lastCallBytes: (namePtr, nameLen, which) => {
        const call = this.lastCall(namePtr, nameLen);
        return call === null || which >= call.bytes.length ? -1 : this.keep(call.bytes[which]);
      },
      setMapAvailable: (type, available) => {
        this.maps[type].available = available !== 0;
      },
      addMapValue: (type, keyPtr, keyLen, valuePtr, valueLen) => {
        this.maps[type].pairs.push([this.read(keyPtr, keyLen), this.read(valuePtr, valueLen)]);
      },
      mapSerialized: (type) => this.keep(serializePairs(this.maps[type].pairs)),
      setBuffer: (type, ptr, len, writable) => {
        this.buffers[type] = { available: true, writable: writable !== 0, bytes: this.read(ptr, len) };
      },
      bufferContent: (type) => (this.buffers[type].available ? this.keep(this.buffers[type].bytes) : -1),
      setProperty: (pathPtr, pathLen, valuePtr, valueLen) => {
        this.properties.set(latin1(this.read(pathPtr, pathLen)), this.read(valuePtr, valueLen));
      },
      property: (pathPtr, pathLen) => {
        const value = this.properties.get(latin1(this.read(pathPtr, pathLen)));
        return value === undefined ? -1 : this.keep(value);
      },
      setInStream: (inStream) => {
        this.inStream = inStream !== 0;
      },
      setLogLevel: (level) => {
        this.logLevel = level;
      },
      logCount: () => this.logs.length,
      logLevelAt: (index) => this.logs[index].level,
      logMessageAt: (index) => this.keep(Buffer.from(this.logs[index].message, "utf8")),
      hostMallocs: () => this.hostMallocs,
      lastHostPointer: () => this.lastHostPointer,
      liveHostBlocks: () => this.hostBlocks.size,
      allocations: () => this.allocations,
      encodeWithTextEncoder: (ptr, units) => {
        const text = Buffer.from(this.read(ptr, units * 2)).toString("utf16le");
        return this.keep(new TextEncoder().encode(text));
      },
      decodeWithTextDecoder: (ptr, len, fatal) => {
        let text;
        try {
          text = new TextDecoder("utf-8", { fatal: fatal !== 0 }).decode(this.read(ptr, len));
        } catch {
          return -1;
        }
        return this.keep(Buffer.from(text, "utf16le"));
      },
    };
  }
}

module.exports = { MockHost, serializePairs, deserializePairs };
