// HTTP callouts: a request to an Envoy cluster, made from a root or a stream context and answered
// later through a handler object (AssemblyScript has no closures: the handler carries the state).
import { proxy_http_call } from "./abi/callouts";
import { HostBuffer, httpCallResponseBody } from "./buffers";
import { HeaderMap, httpCallResponseHeaders, httpCallResponseTrailers } from "./headers";
import { parseInteger } from "./integer";
import { collectGarbage, reserveScratch, RETURN_PTR } from "./memory";
import { HeaderPair, maxSerializedSize, serializePairsTo } from "./pairs";
import { Callout, enterCalloutContext, findCallout, forgetCallout, hostStatusCode, hostStatusMessage, isInFlight, trackCallout } from "./pending-callouts";
import { record, Status } from "./status";
import { encodeUtf8, maxUtf8Length } from "./utf8";

/**
 * The answer to a callout, or its failure. Headers, body and trailers come from the host and are
 * readable only while onResponse runs (afterwards the host answers BadArgument / NotFound).
 */
export class HttpCallResponse {
  constructor(
    readonly headerCount: u32,
    readonly bodySize: u32,
    readonly trailerCount: u32,
    /** Why the call failed (Envoy: BrokenConnection), or Status.Ok. */
    readonly failure: Status,
    /** The host's reason for a failure ("reset"), else "". */
    readonly failureMessage: string,
  ) {}

  /** No response: the connection was reset or the cluster could not be reached. A timeout is a 504 response. */
  get failed(): bool {
    return this.headerCount == 0;
  }

  /** The response's :status, or 0 when the call failed (or outside onResponse). */
  get statusCode(): u32 {
    const code = parseInteger(this.headers.get(":status"), 0);
    return code > 0 && code < 1000 ? <u32>code : 0;
  }

  get headers(): HeaderMap {
    return httpCallResponseHeaders;
  }

  get body(): HostBuffer {
    return httpCallResponseBody;
  }

  get trailers(): HeaderMap {
    return httpCallResponseTrailers;
  }
}

/**
 * Extend it and override onResponse; pass the context making the call to the constructor. A handler
 * serves one call at a time (dispatching it again while in flight is BadArgument). The SDK keeps it
 * until the reply, and drops it if its context is deleted first.
 */
export class HttpCallHandler extends Callout {
  /** The reply or the failure, with the calling context as the effective context. */
  onResponse(response: HttpCallResponse): void {}
}

/** Called by proxy_on_http_call_response once a callout was made; null keeps the callback empty otherwise. */
export let onHttpCallResponseHook: ((token: u32, headerCount: u32, bodySize: u32, trailerCount: u32) => void) | null = null;

function deliverHttpCallResponse(token: u32, headerCount: u32, bodySize: u32, trailerCount: u32): void {
  const callout = findCallout(token);
  if (callout instanceof HttpCallHandler) {
    const handler = changetype<HttpCallHandler>(callout);
    forgetCallout(handler);
    let failure = Status.Ok;
    let failureMessage = "";
    if (headerCount == 0) {
      // The root context's status: read it before another context is made effective.
      failureMessage = hostStatusMessage();
      failure = <Status>hostStatusCode();
    }
    if (enterCalloutContext(handler)) {
      handler.onResponse(new HttpCallResponse(headerCount, bodySize, trailerCount, failure, failureMessage));
    }
  }
  collectGarbage();
}

/**
 * Sends a request to the Envoy cluster `cluster`. `headers` must include :method, :path and
 * :authority; `body` "" sends none; `timeoutMilliseconds` 0 waits forever (Envoy answers 504 on
 * timeout). The reply goes to `handler.onResponse`. Returns Ok, or the host's refusal (BadArgument
 * for an unknown cluster or missing pseudo-headers): the handler is then never called.
 */
export function dispatchHttpCall(
  cluster: string,
  headers: HeaderPair[],
  body: string,
  trailers: HeaderPair[] | null,
  timeoutMilliseconds: u32,
  handler: HttpCallHandler,
): Status {
  const bodyPtr = reserveScratch(maxUtf8Length(body) + maxUtf8Length(cluster) + requestSize(headers, trailers));
  const bodySize = encodeUtf8(body, bodyPtr);
  return send(cluster, headers, bodyPtr, bodySize, trailers, timeoutMilliseconds, handler, bodyPtr + bodySize);
}

/** Same as dispatchHttpCall with a binary body (null for none). */
export function dispatchHttpCallBytes(
  cluster: string,
  headers: HeaderPair[],
  body: ArrayBuffer | null,
  trailers: HeaderPair[] | null,
  timeoutMilliseconds: u32,
  handler: HttpCallHandler,
): Status {
  const scratch = reserveScratch(maxUtf8Length(cluster) + requestSize(headers, trailers));
  const bodyPtr = body !== null ? changetype<usize>(body) : 0;
  const bodySize = body !== null ? <usize>body.byteLength : 0;
  return send(cluster, headers, bodyPtr, bodySize, trailers, timeoutMilliseconds, handler, scratch);
}

function requestSize(headers: HeaderPair[], trailers: HeaderPair[] | null): usize {
  return maxSerializedSize(headers) + (trailers !== null ? maxSerializedSize(trailers) : 0);
}

/** Encodes cluster, headers and trailers at `scratch` (reserved by the caller) and makes the call. */
function send(
  cluster: string,
  headers: HeaderPair[],
  bodyPtr: usize,
  bodySize: usize,
  trailers: HeaderPair[] | null,
  timeoutMilliseconds: u32,
  handler: HttpCallHandler,
  scratch: usize,
): Status {
  if (isInFlight(handler)) return record(Status.BadArgument);
  onHttpCallResponseHook = deliverHttpCallResponse;
  const clusterSize = encodeUtf8(cluster, scratch);
  const headersPtr = scratch + clusterSize;
  const headersSize = serializePairsTo(headers, headersPtr);
  const trailersPtr = headersPtr + headersSize;
  const trailersSize = trailers !== null ? serializePairsTo(trailers, trailersPtr) : 0;
  const status = record(proxy_http_call(
    scratch, clusterSize,
    headersPtr, headersSize,
    bodyPtr, bodySize,
    trailersPtr, trailersSize,
    timeoutMilliseconds,
    RETURN_PTR,
  ));
  if (status == Status.Ok) trackCallout(handler, load<u32>(RETURN_PTR));
  return status;
}
