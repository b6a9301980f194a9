/**
 * A repository in a remote registry, spoken to through a Transport (auth over retry over fetch).
 * Upload is the portable monolithic one: HEAD the blob (skip if present), POST an upload session,
 * PUT the whole blob to its Location with `digest=`; manifests go last with Content-Type = mediaType.
 */
import { digestLike, verifyContent } from "./digest.ts";
import { NetworkError, OciError, RegistryHttpError } from "./errors.ts";
import type { Descriptor } from "./manifest.ts";
import { MANIFEST_MEDIA_TYPES } from "./media-types.ts";
import type { FetchedManifest, Store, TransferProgress } from "./store.ts";
import type { HttpRequest, Transport } from "./transport/http.ts";
import { attemptsOf, backoffDelay, DEFAULT_RETRY_POLICY, type RetryPolicy } from "./transport/retry.ts";

export interface RegistryStoreOptions {
  /** host[:port] serving the API. */
  endpoint: string;
  repository: string;
  plainHttp: boolean;
  transport: Transport;
  /** Token scope actions: `pull` for reads, `pull,push` for a push (one token covers the whole push). */
  actions: "pull" | "pull,push";
  /** Upload sessions tried per blob when one breaks (default 3), with the retry policy's backoff between them. */
  uploadSessions?: number;
  retry?: Partial<RetryPolicy>;
  /** Blobs over this many bytes report progress (default 1 MiB). */
  progressThreshold?: number;
}

export class RegistryStore implements Store {
  readonly location: string;
  private readonly base: URL;
  private readonly scopes: string[];

  constructor(private readonly options: RegistryStoreOptions) {
    this.location = `${options.endpoint}/${options.repository}`;
    this.base = new URL(`${options.plainHttp ? "http" : "https"}://${options.endpoint}/v2/${options.repository}/`);
    this.scopes = [`repository:${options.repository}:${options.actions}`];
  }

  private request(method: HttpRequest["method"], url: URL, extra: Partial<HttpRequest> = {}): Promise<Response> {
    return this.options.transport({ method, url, scopes: this.scopes, ...extra });
  }

  async blobExists(descriptor: Descriptor): Promise<boolean> {
    const response = await this.request("HEAD", new URL(`blobs/${descriptor.digest}`, this.base));
    if (response.status === 200) return true;
    if (response.status === 404) return false;
    throw await registryError(response, `checking blob ${descriptor.digest} in ${this.location}`);
  }

  async pushBlob(descriptor: Descriptor, bytes: Uint8Array, progress?: TransferProgress): Promise<"uploaded" | "exists"> {
    if (await this.blobExists(descriptor)) return "exists";
    const sessions = this.options.uploadSessions ?? 3;
    const threshold = this.options.progressThreshold ?? 1024 * 1024;
    for (let session = 1; ; session++) {
      const uploads = new URL("blobs/uploads/", this.base);
      const start = await this.request("POST", uploads, { headers: { "Content-Length": "0" } });
      if (start.status !== 202) {
        throw await registryError(start, `starting the upload of ${descriptor.digest} to ${this.location}`);
      }
      const location = start.headers.get("location");
      if (!location) throw new OciError(`${this.options.endpoint} started an upload without a Location header`);
      const url = new URL(location, start.url || uploads); // relative or absolute
      url.searchParams.set("digest", descriptor.digest);
      const put: Partial<HttpRequest> = {
        headers: { "Content-Type": "application/octet-stream" },
        body: bytes,
        retryOnNetworkError: false,
      };
      if (progress && bytes.byteLength > threshold) {
        put.onUploadProgress = (sent) => progress(descriptor.digest, sent, bytes.byteLength);
      }
      let response: Response;
      try {
        response = await this.request("PUT", url, put);
      } catch (error) {
        // The session may be half-written (distribution then answers 404 to the same PUT): start a new one.
        if (error instanceof NetworkError && error.transient && session < sessions) {
          await this.pause(session);
          continue;
        }
        if (error instanceof NetworkError) throw new NetworkError(`${error.message} (uploading ${descriptor.digest}, ${session} sessions)`);
        throw error;
      }
      if (response.status === 201 || response.status === 204) {
        const reported = response.headers.get("docker-content-digest");
        if (reported && reported !== descriptor.digest) {
          throw new OciError(`${this.options.endpoint} stored blob ${descriptor.digest} as ${reported}`);
        }
        return "uploaded";
      }
      const error = await registryError(response, `uploading ${descriptor.digest} to ${this.location}`);
      const brokenSession = response.status === 404 || error.code === "BLOB_UPLOAD_INVALID" || error.code === "BLOB_UPLOAD_UNKNOWN";
      if (brokenSession && session < sessions) {
        await this.pause(session);
        continue;
      }
      throw error;
    }
  }

  private pause(session: number): Promise<void> {
    const delay = backoffDelay({ ...DEFAULT_RETRY_POLICY, ...this.options.retry }, session);
    return new Promise((resolve) => setTimeout(resolve, delay));
  }

  async fetchBlob(descriptor: Descriptor, progress?: TransferProgress): Promise<Uint8Array> {
    const threshold = this.options.progressThreshold ?? 1024 * 1024;
    const extra: Partial<HttpRequest> = {};
    if (progress && descriptor.size > threshold) {
      extra.onDownloadProgress = (received) => progress(descriptor.digest, received, descriptor.size);
    }
    const response = await this.request("GET", new URL(`blobs/${descriptor.digest}`, this.base), extra);
    if (response.status !== 200) throw await registryError(response, `fetching blob ${descriptor.digest} from ${this.location}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    verifyContent(`blob ${descriptor.digest} from ${this.location}`, descriptor.digest, bytes, descriptor.size);
    return bytes;
  }

  async pushManifest(target: string, mediaType: string, bytes: Uint8Array): Promise<string> {
    const response = await this.request("PUT", new URL(`manifests/${target}`, this.base), {
      headers: { "Content-Type": mediaType },
      body: bytes,
    });
    if (response.status !== 201 && response.status !== 200 && response.status !== 202) {
      throw await registryError(response, `pushing the manifest to ${this.location}:${target}`);
    }
    const reported = response.headers.get("docker-content-digest");
    const computed = digestLike(reported ?? "sha256:", bytes);
    if (reported && reported !== computed) {
      throw new OciError(`${this.options.endpoint} reports manifest digest ${reported}, but we sent ${computed}`);
    }
    return computed;
  }

  async fetchManifest(target: string): Promise<FetchedManifest> {
    const response = await this.request("GET", new URL(`manifests/${target}`, this.base), {
      headers: { Accept: MANIFEST_MEDIA_TYPES.join(", ") },
    });
    if (response.status !== 200) {
      throw await registryError(response, `fetching manifest ${this.location}${target.includes(":") ? "@" : ":"}${target}`);
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    const what = `manifest ${this.location}${target.includes(":") ? "@" : ":"}${target}`;
    const reported = response.headers.get("docker-content-digest");
    if (target.includes(":")) verifyContent(what, target, bytes);
    if (reported) verifyContent(what, reported, bytes);
    const mediaType = response.headers.get("content-type")?.split(";")[0]?.trim() ?? "";
    return { descriptor: { mediaType, digest: digestLike(target.includes(":") ? target : "sha256:", bytes), size: bytes.byteLength }, bytes };
  }
}

/** A one-line error from a registry response: status, the first error code and message, the detail digest. */
export async function registryError(response: Response, doing: string): Promise<RegistryHttpError> {
  let code: string | undefined;
  let message = "";
  try {
    const body = (await response.json()) as { errors?: Array<{ code?: unknown; message?: unknown; detail?: unknown }> };
    const first = body.errors?.[0];
    if (first) {
      if (typeof first.code === "string") code = first.code;
      if (typeof first.message === "string") message = first.message;
      if (typeof first.detail === "string" && /^sha(256|512):/.test(first.detail)) message += ` (${first.detail})`;
    }
  } catch {
    // not JSON (a proxy's page, a HEAD): the status says enough
  }
  const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
  const reason = code ? `${code.toLowerCase().replace(/_/g, " ")}: ${message || status}` : status;
  const retryAfter = response.status === 429 ? response.headers.get("retry-after") : null;
  const attempts = attemptsOf(response);
  let tail = retryAfter ? ` (registry asks to retry after ${retryAfter}s)` : "";
  if (attempts > 1) tail += ` (after ${attempts} attempts)`;
  return new RegistryHttpError(`${doing} failed: ${oneLine(reason)}${tail}`, response.status, code);
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}
