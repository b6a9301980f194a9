/**
 * Where a pulled module goes. `OutputFile` writes a file atomically: everything is checked and a
 * temporary file is created next to the destination before anything is downloaded; the module is
 * written there and renamed over the destination only once every digest is verified. A symlink at
 * the destination is replaced, never followed. For a stream (stdout) the module is spooled to a
 * temporary file first, so nothing unverified is ever written to it. `MemoryOutput` keeps the bytes
 * (for library callers that want them), bounded like every module.
 */
import { randomBytes } from "node:crypto";
import { lstatSync, mkdtempSync, renameSync, rmSync, statSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { concatChunks, fileStream } from "./content.ts";
import { OciError } from "./errors.ts";
import { LIMITS } from "./limits.ts";

export interface ModuleOutput {
  /** For messages: the path, `stdout` or `memory`. */
  readonly location: string;
  write(chunk: Uint8Array): Promise<void>;
  /** Makes the module visible at its destination (rename, or copy to the stream). */
  commit(): Promise<void>;
  /** Drops what was written (the destination is untouched). */
  abort(): Promise<void>;
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "ENOENT") return "no such directory";
  if (code === "EROFS") return "read-only file system";
  if (code === "ENOSPC") return "no space left on the device";
  return code ?? "write error";
}

export class OutputFile implements ModuleOutput {
  private constructor(
    readonly location: string,
    private readonly destination: string | NodeJS.WritableStream,
    private readonly temporary: string,
    private readonly handle: FileHandle,
    private readonly spoolDir?: string,
  ) {}

  /** A file at `path`: refused (kind `invalid-input`) when it cannot be written, before any download. */
  static async create(path: string): Promise<OutputFile> {
    const refuse = (why: string) => new OciError(`cannot write ${path}: ${why}`, "invalid-input");
    if (path === "") throw refuse("empty path");
    if (path.endsWith("/")) throw refuse("it is a directory");
    let existing: ReturnType<typeof lstatSync> | undefined;
    try {
      existing = lstatSync(path);
    } catch {
      existing = undefined;
    }
    if (existing?.isDirectory()) throw refuse("it is a directory");
    const dir = dirname(path);
    try {
      if (!statSync(dir).isDirectory()) throw refuse(`${dir} is not a directory`);
    } catch (error) {
      if (error instanceof OciError) throw error;
      throw refuse(`directory ${dir} does not exist`);
    }
    const temporary = join(dir, `.${basename(path)}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`);
    let handle: FileHandle;
    try {
      handle = await open(temporary, "wx", 0o644);
    } catch (error) {
      throw refuse(reason(error));
    }
    return new OutputFile(path, path, temporary, handle);
  }

  /** A stream (stdout): the module is spooled to a private temporary file and copied at commit. */
  static async spooled(stream: NodeJS.WritableStream, location = "stdout"): Promise<OutputFile> {
    const dir = mkdtempSync(join(tmpdir(), "proxy-wasm-pull-"));
    const temporary = join(dir, "module.wasm");
    const handle = await open(temporary, "wx", 0o600);
    return new OutputFile(location, stream, temporary, handle, dir);
  }

  async write(chunk: Uint8Array): Promise<void> {
    try {
      await this.handle.write(chunk);
    } catch (error) {
      throw new OciError(`cannot write ${this.location}: ${reason(error)}`, "output");
    }
  }

  async commit(): Promise<void> {
    try {
      await this.handle.close();
      if (typeof this.destination === "string") renameSync(this.temporary, this.destination);
      else await pipeline(fileStream(this.temporary), this.destination, { end: false });
    } catch (error) {
      await this.abort();
      throw new OciError(`cannot write ${this.location}: ${reason(error)}`, "output");
    }
    if (this.spoolDir) rmSync(this.spoolDir, { recursive: true, force: true });
  }

  async abort(): Promise<void> {
    await this.handle.close().catch(() => {});
    rmSync(this.temporary, { force: true });
    if (this.spoolDir) rmSync(this.spoolDir, { recursive: true, force: true });
  }
}

/** The module in memory, at most LIMITS.moduleBytes. */
export class MemoryOutput implements ModuleOutput {
  readonly location = "memory";
  private chunks: Uint8Array[] = [];
  private size = 0;
  bytes: Uint8Array | undefined;

  async write(chunk: Uint8Array): Promise<void> {
    this.size += chunk.byteLength;
    if (this.size > LIMITS.moduleBytes) throw new OciError(`the module is larger than ${LIMITS.moduleBytes} bytes`, "too-large");
    this.chunks.push(new Uint8Array(chunk));
  }

  async commit(): Promise<void> {
    this.bytes = concatChunks(this.chunks, this.size);
    this.chunks = [];
  }

  async abort(): Promise<void> {
    this.chunks = [];
  }
}
