// Stream control: local replies, resuming and closing streams.
import { proxy_close_stream, proxy_continue_stream, proxy_send_local_response } from "./abi/http";
import { reserveScratch } from "./memory";
import { HeaderPair, maxSerializedSize, serializePairsTo } from "./pairs";
import { record, Status } from "./status";
import { StreamType } from "./types";
import { encodeUtf8, maxUtf8Length } from "./utf8";

/**
 * Answers the request from the filter. Envoy sends it after the current callback returns (whatever
 * that callback returns) and then runs the reply through this context's response callbacks.
 * `grpcStatus` -1 adds no grpc-status; `details` becomes the response code details (spaces → `_`).
 */
export function sendLocalResponse(
  statusCode: u32,
  body: string = "",
  headers: HeaderPair[] | null = null,
  grpcStatus: i32 = -1,
  details: string = "",
): Status {
  const headersLength = headers !== null ? maxSerializedSize(headers) : 0;
  const detailsPtr = reserveScratch(maxUtf8Length(details) + maxUtf8Length(body) + headersLength);
  const bodyPtr = detailsPtr + encodeUtf8(details, detailsPtr);
  const headersPtr = bodyPtr + encodeUtf8(body, bodyPtr);
  const headersSize = headers !== null ? serializePairsTo(headers, headersPtr) : 0;
  return record(proxy_send_local_response(
    statusCode,
    detailsPtr, bodyPtr - detailsPtr,
    bodyPtr, headersPtr - bodyPtr,
    headersPtr, headersSize,
    grpcStatus,
  ));
}

/** Same as sendLocalResponse with a binary body. */
export function sendLocalResponseBytes(
  statusCode: u32,
  body: ArrayBuffer,
  headers: HeaderPair[] | null = null,
  grpcStatus: i32 = -1,
  details: string = "",
): Status {
  const headersLength = headers !== null ? maxSerializedSize(headers) : 0;
  const base = reserveScratch(maxUtf8Length(details) + headersLength);
  const headersPtr = base + encodeUtf8(details, base);
  const headersSize = headers !== null ? serializePairsTo(headers, headersPtr) : 0;
  return record(proxy_send_local_response(
    statusCode,
    base, headersPtr - base,
    changetype<usize>(body), body.byteLength,
    headersPtr, headersSize,
    grpcStatus,
  ));
}

/** Resumes a stream paused by a callback's Action.Pause (takes effect when the current callback returns). */
export function continueStream(stream: StreamType): Status {
  return record(proxy_continue_stream(stream));
}

/** Resets an HTTP stream, or closes a TCP connection side. */
export function closeStream(stream: StreamType): Status {
  return record(proxy_close_stream(stream));
}
