// The per-request context of an HTTP filter.
import { ContextKind } from "./base-context";
import { HostBuffer, requestBody, responseBody } from "./buffers";
import { HeaderMap, requestHeaders, requestTrailers, responseHeaders, responseTrailers } from "./headers";
import { closeStream, continueStream, sendLocalResponse, sendLocalResponseBytes } from "./http";
import { HeaderPair } from "./pairs";
import { RootContext } from "./root-context";
import { Status } from "./status";
import { StreamContext } from "./stream-context";
import { Action, StreamType } from "./types";

/**
 * Override the callbacks you need; each defaults to Action.Continue. The host calls them in order:
 * request headers, body chunks, trailers, response headers, body chunks, trailers, then onLog,
 * onDone, onDelete.
 */
export class HttpContext extends StreamContext {
  constructor(id: u32, root: RootContext) {
    super(id, ContextKind.Http, root);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): Action {
    return Action.Continue;
  }

  /** `bodySize` is the buffered total when an earlier call returned Action.Pause. */
  onRequestBody(bodySize: u32, endOfStream: bool): Action {
    return Action.Continue;
  }

  onRequestTrailers(trailerCount: u32): Action {
    return Action.Continue;
  }

  onResponseHeaders(headerCount: u32, endOfStream: bool): Action {
    return Action.Continue;
  }

  onResponseBody(bodySize: u32, endOfStream: bool): Action {
    return Action.Continue;
  }

  onResponseTrailers(trailerCount: u32): Action {
    return Action.Continue;
  }

  get requestHeaders(): HeaderMap {
    return requestHeaders;
  }

  get requestTrailers(): HeaderMap {
    return requestTrailers;
  }

  get responseHeaders(): HeaderMap {
    return responseHeaders;
  }

  get responseTrailers(): HeaderMap {
    return responseTrailers;
  }

  get requestBody(): HostBuffer {
    return requestBody;
  }

  get responseBody(): HostBuffer {
    return responseBody;
  }

  /** See sendLocalResponse in http.ts: the reply is sent when the current callback returns. */
  sendLocalResponse(
    statusCode: u32,
    body: string = "",
    headers: HeaderPair[] | null = null,
    grpcStatus: i32 = -1,
    details: string = "",
  ): Status {
    return sendLocalResponse(statusCode, body, headers, grpcStatus, details);
  }

  sendLocalResponseBytes(
    statusCode: u32,
    body: ArrayBuffer,
    headers: HeaderPair[] | null = null,
    grpcStatus: i32 = -1,
    details: string = "",
  ): Status {
    return sendLocalResponseBytes(statusCode, body, headers, grpcStatus, details);
  }

  /** Resumes the request after Action.Pause. */
  continueRequest(): Status {
    return continueStream(StreamType.HttpRequest);
  }

  /** Resumes the response after Action.Pause. */
  continueResponse(): Status {
    return continueStream(StreamType.HttpResponse);
  }

  /** Resets the stream. */
  closeRequest(): Status {
    return closeStream(StreamType.HttpRequest);
  }

  closeResponse(): Status {
    return closeStream(StreamType.HttpResponse);
  }
}
