/**
 * The destination of a pull: a target store that keeps only the module. Told which layer holds it
 * (`expect`), it writes that layer's bytes to a ModuleOutput as they stream in (raw, or the
 * `plugin.wasm` entry of a tar+gzip layer, inflated as a stream under a cap), keeps the small config
 * in memory, and accepts manifests without storing them. The output is committed by the caller once
 * the whole copy succeeded, so a failed pull leaves nothing behind.
 */
import { createHash } from "node:crypto";
import { basename } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { readAll, type ByteStream } from "./content.ts";
import { digestLike } from "./digest.ts";
import { OciError } from "./errors.ts";
import type { WasmLocation } from "./formats.ts";
import { LIMITS, mib } from "./limits.ts";
import type { Descriptor } from "./manifest.ts";
import type { ModuleOutput } from "./output.ts";
import { printable } from "./secrets.ts";
import type { TargetStore } from "./store.ts";
import { TarExtractor, TarFormatError, TarLimitError } from "./tar.ts";
import { hasWasmHeader } from "./wasm-module.ts";

export interface ModuleSinkOptions {
  /** Largest module accepted (default LIMITS.moduleBytes, Istio's). */
  maxModuleBytes?: number;
}

export class ModuleSink implements TargetStore {
  readonly location: string;
  /** The config blob's bytes, once copied. */
  config: Uint8Array | undefined;
  /** Size and digest of the module written. */
  module: { size: number; digest: string } | undefined;
  private expected: WasmLocation | undefined;
  private readonly maxModuleBytes: number;

  constructor(
    private readonly output: ModuleOutput,
    options: ModuleSinkOptions = {},
  ) {
    this.location = output.location;
    this.maxModuleBytes = options.maxModuleBytes ?? LIMITS.moduleBytes;
  }

  /** Which layer holds the module, and how it is packed. */
  expect(location: WasmLocation): void {
    this.expected = location;
  }

  async push(descriptor: Descriptor, open: () => ByteStream): Promise<"uploaded" | "exists"> {
    if (this.expected && descriptor.digest === this.expected.layer.digest) {
      if (descriptor.size > this.maxModuleBytes) {
        throw new OciError(`layer ${descriptor.digest} is ${mib(descriptor.size)}, more than the module limit of ${mib(this.maxModuleBytes)}`, "too-large");
      }
      await (this.expected.packaging === "raw" ? this.writeRaw(open()) : this.writeFromTarGzip(descriptor, open()));
    } else {
      this.config = await readAll(open(), LIMITS.configBytes, `config ${descriptor.digest}`);
    }
    return "uploaded";
  }

  async pushManifest(_target: string, _mediaType: string, bytes: Uint8Array): Promise<string> {
    return digestLike("sha256:", bytes);
  }

  /** Writes module bytes, refusing at the first 8 bytes what does not start like a wasm module. */
  private async writeRaw(stream: ByteStream): Promise<void> {
    const writer = new ModuleWriter(this.output, this.expected!.layer.digest);
    for await (const chunk of stream) await writer.write(chunk);
    this.module = writer.finish();
  }

  private async writeFromTarGzip(descriptor: Descriptor, stream: ByteStream): Promise<void> {
    const writer = new ModuleWriter(this.output, descriptor.digest);
    const extractor = new TarExtractor({
      wanted: (name) => basename(name) === "plugin.wasm",
      maxEntryBytes: this.maxModuleBytes,
      maxOtherBytes: LIMITS.tarMetadataBytes,
      onData: (chunk) => writer.write(chunk),
    });
    // Headers and padding come on top of the module and the other entries.
    const cap = this.maxModuleBytes + LIMITS.tarMetadataBytes + 64 * 1024;
    let inflated = 0;
    // Our own failure wins over the AbortError the pipeline then reports for the streams it tears down.
    let failure: unknown;
    try {
      await pipeline(Readable.from(slices(stream, INFLATE_INPUT_SLICE), { objectMode: false }), createGunzip(), async (source: AsyncIterable<Buffer>) => {
        try {
          for await (const chunk of source) {
            inflated += chunk.byteLength;
            if (inflated > cap) throw new OciError(`layer ${descriptor.digest} inflates past ${mib(cap)}`, "too-large");
            if (!extractor.complete) await extractor.write(chunk);
          }
        } catch (error) {
          failure = error;
          throw error;
        }
      }).catch((error: unknown) => {
        throw failure ?? error;
      });
      extractor.finish();
    } catch (error) {
      if (error instanceof OciError) throw error;
      if (error instanceof TarLimitError) throw new OciError(`layer ${descriptor.digest}: ${printable(error.message)}`, "too-large");
      if (error instanceof TarFormatError) throw new OciError(`layer ${descriptor.digest}: ${printable(error.message)}`, "invalid-content");
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "Z_DATA_ERROR" || code === "Z_BUF_ERROR") {
        const why = /header/i.test((error as Error).message) ? "is not gzip-compressed" : "is corrupt gzip";
        throw new OciError(`layer ${descriptor.digest} ${why}`, "invalid-content");
      }
      throw error;
    }
    if (!extractor.found) {
      const files = extractor.names.join(", ") || "none";
      throw new OciError(`layer ${descriptor.digest} holds no plugin.wasm (files: ${printable(files)})`, "invalid-content");
    }
    this.module = writer.finish();
  }
}

/**
 * zlib inflates a whole input chunk before it looks at backpressure, and deflate reaches about 1000:1,
 * so compressed input is fed in slices this small: no burst of output exceeds a few MiB.
 */
const INFLATE_INPUT_SLICE = 4 * 1024;

async function* slices(stream: ByteStream, size: number): ByteStream {
  for await (const chunk of stream) {
    for (let at = 0; at < chunk.byteLength; at += size) yield chunk.subarray(at, at + size);
  }
}

/**
 * Writes the module, hashing it and checking its first 8 bytes are a wasm header. A bad header stops
 * the writing but not the reading, so that a layer that fails its digest is reported as such.
 */
class ModuleWriter {
  private head = new Uint8Array(0);
  private size = 0;
  private bad = false;
  private readonly hash = createHash("sha256");
  constructor(
    private readonly output: ModuleOutput,
    private readonly layer: string,
  ) {}
  async write(chunk: Uint8Array): Promise<void> {
    if (this.head.byteLength < 8) {
      this.head = Buffer.concat([this.head, chunk.subarray(0, 8 - this.head.byteLength)]);
      if (this.head.byteLength === 8 && !hasWasmHeader(this.head)) this.bad = true;
    }
    this.size += chunk.byteLength;
    if (this.bad) return;
    this.hash.update(chunk);
    await this.output.write(chunk);
  }
  finish(): { size: number; digest: string } {
    if (this.bad || this.head.byteLength < 8) this.notWasm();
    return { size: this.size, digest: `sha256:${this.hash.digest("hex")}` };
  }
  private notWasm(): never {
    throw new OciError(`layer ${this.layer} does not hold a wasm module (no \\0asm header)`, "invalid-content");
  }
}
