/**
 * A repository in a remote registry, spoken to through a Transport (redirects over auth over retry
 * over fetch). Upload is the portable monolithic one: HEAD the blob (skip if present), POST an upload
 * session, PUT the whole blob (streamed) to its Location with `digest=`, then HEAD it again, so a
 * registry that answers 201 and keeps nothing is caught before a tag points at the missing blob.
 * Manifests go last with Content-Type = mediaType. Downloads stream, are cut at the descriptor's size
 * and resume with `Range` after a dropped connection.
 */
import type { ByteStream } from "./content.ts";
import { verified } from "./content.ts";
import { digestLike, verifyContent } from "./digest.ts";
import { DigestMismatchError, NetworkError, OciError, RegistryHttpError, type OciErrorKind } from "./errors.ts";
import { LIMITS } from "./limits.ts";
import { manifestMediaType, type Descriptor } from "./manifest.ts";
import { MANIFEST_MEDIA_TYPES } from "./media-types.ts";
import { printable, type SecretSet } from "./secrets.ts";
import type { FetchedManifest, Store } from "./store.ts";
import { bodyText, type HttpRequest, type HttpResponse, type Transport } from "./transport/http.ts";
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
  /** Range requests tried per download after a dropped connection (default 3). */
  resumes?: number;
  retry?: Partial<RetryPolicy>;
  /** Scrubbed from anything the registry says that ends up in a message. */
  secrets?: SecretSet;
}

export class RegistryStore implements Store {
  readonly location: string;
  private readonly base: URL;
  private readonly scopes: string[];
  private diagnosis: Promise<OciError | undefined> | undefined;

  constructor(private readonly options: RegistryStoreOptions) {
    this.location = `${options.endpoint}/${options.repository}`;
    this.base = new URL(`${options.plainHttp ? "http" : "https"}://${options.endpoint}/v2/${options.repository}/`);
    this.scopes = [`repository:${options.repository}:${options.actions}`];
  }

  private request(method: HttpRequest["method"], url: URL, extra: Partial<HttpRequest> = {}): Promise<HttpResponse> {
    return this.options.transport({ method, url, scopes: this.scopes, ...extra });
  }

  private outside(text: string, max?: number): string {
    return printable(text, this.options.secrets, max);
  }

  async exists(descriptor: Descriptor): Promise<boolean> {
    const response = await this.request("HEAD", new URL(`blobs/${descriptor.digest}`, this.base));
    if (response.status === 200) return true;
    if (response.status === 404) return false;
    throw await this.failure(response, `checking blob ${descriptor.digest} in ${this.location}`);
  }

  async push(descriptor: Descriptor, open: () => ByteStream): Promise<"uploaded" | "exists"> {
    if (await this.exists(descriptor)) return "exists";
    const sessions = this.options.uploadSessions ?? 3;
    for (let session = 1; ; session++) {
      const uploads = new URL("blobs/uploads/", this.base);
      const start = await this.request("POST", uploads, { headers: { "Content-Length": "0" } });
      if (start.status !== 202) throw await this.failure(start, `starting the upload of ${descriptor.digest} to ${this.location}`);
      const location = start.headers.get("location");
      if (!location) throw new OciError(`${this.options.endpoint} started an upload without a Location header`, "invalid-content");
      let url: URL;
      try {
        url = new URL(location, start.url); // relative or absolute
      } catch {
        throw new OciError(`${this.options.endpoint} started an upload at an unusable Location "${this.outside(location, 100)}"`, "invalid-content");
      }
      url.searchParams.set("digest", descriptor.digest);
      let response: HttpResponse;
      try {
        response = await this.request("PUT", url, {
          headers: { "Content-Type": "application/octet-stream" },
          body: { size: descriptor.size, open },
          retryOnNetworkError: false,
        });
      } catch (error) {
        // The session may be half-written (distribution then answers 404 to the same PUT): start a new one.
        if (error instanceof NetworkError && error.transient && session < sessions) {
          await this.pause(session);
          continue;
        }
        if (error instanceof NetworkError) throw new NetworkError(`${error.message} (uploading ${descriptor.digest}, ${session} sessions)`, error.transient, error.kind);
        throw error;
      }
      if (response.status === 201 || response.status === 204) {
        const reported = response.headers.get("docker-content-digest");
        if (reported && reported !== descriptor.digest) {
          throw new DigestMismatchError(`${this.options.endpoint} stored blob ${descriptor.digest} as ${this.outside(reported, 140)}`);
        }
        if (!(await this.exists(descriptor))) {
          throw new OciError(`${this.options.endpoint} accepted blob ${descriptor.digest} but does not have it (HEAD answers 404); nothing was tagged`, "registry");
        }
        return "uploaded";
      }
      const error = await this.failure(response, `uploading ${descriptor.digest} to ${this.location}`);
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

  fetch(descriptor: Descriptor): ByteStream {
    return verified(this.download(descriptor), descriptor, `blob ${descriptor.digest} from ${this.location}`);
  }

  /** The blob's bytes as sent, resumed with Range after a dropped connection. */
  private async *download(descriptor: Descriptor): ByteStream {
    const url = new URL(`blobs/${descriptor.digest}`, this.base);
    const doing = `fetching blob ${descriptor.digest} from ${this.location}`;
    let offset = 0;
    let broken: NetworkError | undefined;
    for (let resumes = 0; ; resumes++) {
      const response = await this.request("GET", url, offset > 0 ? { headers: { Range: `bytes=${offset}-` } } : {});
      if (offset === 0) {
        if (response.status !== 200) throw await this.failure(response, doing);
        const announced = Number(response.headers.get("content-length") ?? "NaN");
        if (announced > descriptor.size) {
          await response.discard();
          throw new DigestMismatchError(`size mismatch for blob ${descriptor.digest} from ${this.location}: expected ${descriptor.size} bytes, the registry announces ${announced}`);
        }
      } else if (response.status !== 206 || !(response.headers.get("content-range") ?? "").startsWith(`bytes ${offset}-`)) {
        await response.discard();
        throw new NetworkError(`${broken!.message} (at byte ${offset} of blob ${descriptor.digest}; the registry cannot resume it: it answered ${response.status} to a Range request)`, false, broken!.kind);
      }
      try {
        for await (const chunk of response.stream()) {
          offset += chunk.byteLength;
          yield chunk;
        }
        return;
      } catch (error) {
        if (error instanceof NetworkError && error.transient && resumes < (this.options.resumes ?? 3) && offset < descriptor.size) {
          broken = error;
          continue;
        }
        throw error;
      }
    }
  }

  async pushManifest(target: string, mediaType: string, bytes: Uint8Array): Promise<string> {
    const response = await this.request("PUT", new URL(`manifests/${target}`, this.base), {
      headers: { "Content-Type": mediaType },
      body: bytes,
    });
    if (response.status !== 201 && response.status !== 200 && response.status !== 202) {
      throw await this.failure(response, `pushing the manifest to ${this.location}:${target}`);
    }
    const reported = response.headers.get("docker-content-digest");
    const computed = digestLike(reported ?? "sha256:", bytes);
    if (reported && reported !== computed) {
      throw new DigestMismatchError(`${this.options.endpoint} reports manifest digest ${this.outside(reported, 140)}, but we sent ${computed}`);
    }
    return computed;
  }

  async fetchManifest(target: string): Promise<FetchedManifest> {
    const what = `manifest ${this.location}${target.includes(":") ? "@" : ":"}${target}`;
    const response = await this.request("GET", new URL(`manifests/${target}`, this.base), {
      headers: { Accept: MANIFEST_MEDIA_TYPES.join(", ") },
      readBody: { limit: LIMITS.manifestBytes, what },
    });
    if (response.status !== 200) throw await this.failure(response, `fetching ${what}`);
    const bytes = response.body ?? new Uint8Array(0);
    const mediaType = manifestMediaType(response.headers.get("content-type"), bytes, what);
    const reported = response.headers.get("docker-content-digest");
    if (target.includes(":")) verifyContent(what, target, bytes);
    if (reported) verifyContent(what, reported, bytes);
    return { descriptor: { mediaType, digest: digestLike(target.includes(":") ? target : "sha256:", bytes), size: bytes.byteLength }, bytes };
  }

  /**
   * The error for an unexpected response. A status a registry would not send for this request (400,
   * 405, 501, or a 404 without the registry's JSON error body) makes us ask `GET /v2/` once what the
   * server is: a plain HTTP server, or an HTTPS one that we spoke plain HTTP to, gets said so.
   */
  private async failure(response: HttpResponse, doing: string): Promise<RegistryHttpError> {
    const error = registryError(response, doing, this.options.secrets);
    if (response.url.host !== this.base.host) {
      // A redirect target: its challenges are not ours to answer, and its errors are not the registry's.
      const where = this.outside(response.url.host, 100);
      return new RegistryHttpError(`${error.message} (from ${where}, where the registry redirected; credentials are not sent there)`, response.status, error.code, "registry");
    }
    const odd = response.status === 400 || response.status === 405 || response.status === 501 || (response.status === 404 && error.code === undefined);
    if (!odd) return error;
    if (speaksHttps(response)) return httpsRequired(this.options.endpoint, response.status);
    this.diagnosis ??= this.diagnose();
    const diagnosed = await this.diagnosis;
    return diagnosed ? new RegistryHttpError(diagnosed.message, response.status, undefined, diagnosed.kind) : error;
  }

  private async diagnose(): Promise<OciError | undefined> {
    let ping: HttpResponse;
    try {
      ping = await this.options.transport({ method: "GET", url: new URL("/v2/", this.base) });
    } catch {
      return undefined;
    }
    await ping.discard();
    if (speaksHttps(ping)) return httpsRequired(this.options.endpoint, ping.status);
    if (ping.status === 200 || ping.status === 401) return undefined;
    const status = `${ping.status}${ping.statusText ? ` ${this.outside(ping.statusText, 60)}` : ""}`;
    return new OciError(`${this.options.endpoint} is not an OCI registry (GET /v2/ answered ${status})`, "not-a-registry");
  }
}

/** Go's HTTPS server answers plain HTTP with `400` and this sentence. */
function speaksHttps(response: HttpResponse): boolean {
  return response.status === 400 && /HTTP request to an HTTPS server/i.test(bodyText(response));
}

function httpsRequired(endpoint: string, status: number): RegistryHttpError {
  return new RegistryHttpError(`${endpoint} speaks HTTPS, not plain HTTP`, status, undefined, "https-required");
}

const NOT_FOUND_CODES = new Set(["MANIFEST_UNKNOWN", "BLOB_UNKNOWN", "NAME_UNKNOWN", "BLOB_UPLOAD_UNKNOWN"]);

/**
 * A one-line error from a registry response: what we were doing, the registry's first error (code
 * and message, said once when they say the same) or the status, and the retries it took. Everything
 * the registry wrote is escaped and scrubbed.
 */
export function registryError(response: HttpResponse, doing: string, secrets?: SecretSet): RegistryHttpError {
  let code: string | undefined;
  let message = "";
  let detail = "";
  try {
    const body = JSON.parse(bodyText(response)) as { errors?: Array<{ code?: unknown; message?: unknown; detail?: unknown }> };
    const first = Array.isArray(body.errors) ? body.errors[0] : undefined;
    if (first) {
      if (typeof first.code === "string" && /^[A-Z0-9_]{1,64}$/.test(first.code)) code = first.code;
      if (typeof first.message === "string") message = first.message;
      if (typeof first.detail === "string" && /^sha(256|512):[a-f0-9]+$/.test(first.detail)) detail = ` (${first.detail})`;
    }
  } catch {
    // not JSON (a proxy's page, a HEAD): the status says enough
  }
  const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
  let reason: string;
  if (code) {
    const said = code.toLowerCase().replace(/_/g, " ");
    const text = message.trim();
    reason = text === "" || text.toLowerCase() === said ? said : `${said}: ${text}`;
  } else {
    reason = status;
  }
  const retryAfter = response.status === 429 ? response.headers.get("retry-after") : null;
  const attempts = attemptsOf(response);
  let tail = retryAfter ? ` (registry asks to retry after ${printable(retryAfter, secrets, 40)}s)` : "";
  if (attempts > 1) tail += ` (after ${attempts} attempts)`;
  let kind: OciErrorKind = "registry";
  if (response.status === 404 || (code && NOT_FOUND_CODES.has(code))) kind = "not-found";
  else if (response.status === 401) kind = "unauthorized";
  else if (response.status === 403 || code === "DENIED") kind = "denied";
  return new RegistryHttpError(`${doing} failed: ${printable(reason, secrets)}${detail}${tail}`, response.status, code, kind);
}
