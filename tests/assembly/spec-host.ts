// The host of the as-pect specs: the emulator's own host functions (HostFunctionHarness) for each spec
// module's env imports, and the `host.*` control imports declared in tests/assembly/host-controls.ts, which steer
// the harness (maps, buffers, properties, log level, forced statuses) and read back what the module did.
// Loaded by as-pect.config.mjs.

import { LOG_LEVELS } from "../../scripts/host/constants.ts";
import { HostFunctionHarness } from "../../scripts/host/harness.ts";
import { encodePairs } from "../../scripts/host/pairs.ts";

interface Rtrace {
  onalloc(block: number): void;
  onfree(block: number): void;
}

type Imports = Record<string, Record<string, unknown>>;

export class SpecHost {
  private readonly harness: HostFunctionHarness;
  private exports: { memory: WebAssembly.Memory; malloc?: (size: number) => number } | null = null;
  /** Bytes kept for the next host.copyResult. */
  private result = Buffer.alloc(0);
  /** Heap blocks (rtrace ids) the host obtained from malloc and the module has not freed yet. */
  private readonly hostBlocks = new Set<number>();
  private inMalloc = false;
  private allocations = 0;

  constructor(binary: Uint8Array) {
    this.harness = new HostFunctionHarness(binary);
  }

  /** What createImports gets: the harness's host functions and the controls. */
  imports(): Imports {
    return { ...this.harness.imports(), host: this.controls() };
  }

  /** Counts heap allocations and notices when a block the host allocated is freed. */
  watchAllocations(rtrace: Rtrace): void {
    const { onalloc, onfree } = rtrace;
    rtrace.onalloc = (block) => {
      this.allocations++;
      if (this.inMalloc) this.hostBlocks.add(block);
      onalloc(block);
    };
    rtrace.onfree = (block) => {
      this.hostBlocks.delete(block);
      onfree(block);
    };
  }

  attach(exports: WebAssembly.Exports): void {
    const memory = exports.memory as WebAssembly.Memory;
    const malloc = exports.malloc as ((size: number) => number) | undefined;
    this.exports = { memory, malloc };
    this.harness.attach({
      memory,
      malloc:
        malloc &&
        ((size) => {
          this.inMalloc = true;
          try {
            return malloc(size);
          } finally {
            this.inMalloc = false;
          }
        }),
    });
  }

  private bytes(ptr: number, length: number): Buffer {
    const memory = new Uint8Array(this.exports!.memory.buffer);
    return Buffer.from(memory.slice(ptr >>> 0, (ptr >>> 0) + (length >>> 0)));
  }

  private text(ptr: number, length: number): string {
    return this.bytes(ptr, length).toString("utf8");
  }

  /** A property path in its wire form (NUL-joined segments). */
  private path(ptr: number, length: number): string[] {
    return this.bytes(ptr, length).toString("utf8").split("\0");
  }

  private keep(bytes: Uint8Array): number {
    this.result = Buffer.from(bytes);
    return this.result.length;
  }

  private lastCall(namePtr: number, nameLength: number) {
    const calls = this.harness.calls(this.text(namePtr, nameLength));
    return calls.length === 0 ? null : calls[calls.length - 1]!;
  }

  private controls(): Record<string, (...args: number[]) => unknown> {
    const h = this.harness;
    return {
      reset: () => {
        h.reset();
        this.hostBlocks.clear();
      },
      copyResult: (ptr) => new Uint8Array(this.exports!.memory.buffer).set(this.result, ptr >>> 0),
      failNext: (namePtr, nameLength, status) => h.failNext(this.text(namePtr, nameLength), status),
      callCount: (namePtr, nameLength) => h.calls(this.text(namePtr, nameLength)).length,
      lastCallArgument: (namePtr, nameLength, index) => {
        const call = this.lastCall(namePtr, nameLength);
        return call === null ? -1 : Number(call.args[index]);
      },
      lastCallBytes: (namePtr, nameLength, which) => {
        const call = this.lastCall(namePtr, nameLength);
        return call === null || which >= call.inputs.length ? -1 : this.keep(call.inputs[which]!);
      },
      setMapAvailable: (type, available) => h.setMap(type, available !== 0 ? (h.map(type) ?? []) : null),
      addMapValue: (type, keyPtr, keyLength, valuePtr, valueLength) =>
        h.setMap(type, [...(h.map(type) ?? []), [this.text(keyPtr, keyLength), this.text(valuePtr, valueLength)]]),
      mapSerialized: (type) => this.keep(encodePairs(h.map(type) ?? [])),
      setBuffer: (type, ptr, length, writable) => h.setBuffer(type, this.bytes(ptr, length), writable !== 0),
      bufferContent: (type) => {
        const content = h.buffer(type);
        return content === null ? -1 : this.keep(content);
      },
      setProperty: (pathPtr, pathLength, valuePtr, valueLength) => h.setProperty(this.path(pathPtr, pathLength), this.bytes(valuePtr, valueLength)),
      storedProperty: (pathPtr, pathLength) => {
        const value = h.storedProperty(this.path(pathPtr, pathLength));
        return value === null ? -1 : this.keep(value);
      },
      actForRoot: (root) => h.actFor(root !== 0 ? "root" : "stream"),
      setLogLevel: (level) => h.setLogLevel(level),
      logCount: () => h.logs().length,
      logLevelAt: (index) => LOG_LEVELS.indexOf(h.logs()[index]!.level),
      logMessageAt: (index) => this.keep(Buffer.from(h.logs()[index]!.message, "utf8")),
      hostMallocs: () => h.hostAllocations,
      lastHostPointer: () => h.lastHostPointer,
      liveHostBlocks: () => this.hostBlocks.size,
      allocations: () => this.allocations,
      encodeWithTextEncoder: (ptr, units) => this.keep(new TextEncoder().encode(this.bytes(ptr, units * 2).toString("utf16le"))),
      decodeWithTextDecoder: (ptr, length, fatal) => {
        let text: string;
        try {
          text = new TextDecoder("utf-8", { fatal: fatal !== 0 }).decode(this.bytes(ptr, length));
        } catch {
          return -1;
        }
        return this.keep(Buffer.from(text, "utf16le"));
      },
    };
  }
}
