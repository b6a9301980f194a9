// gRPC through Envoy's async client: unary calls and streams to a cluster, made from a root or a
// stream context. Messages are serialized protobuf bytes; replies go to handler objects.
import {
  proxy_grpc_call,
  proxy_grpc_cancel,
  proxy_grpc_close,
  proxy_grpc_send,
  proxy_grpc_stream,
} from "./abi/grpc";
import { grpcReceiveBuffer } from "./buffers";
import { grpcReceiveInitialMetadata, grpcReceiveTrailingMetadata, HeaderMap } from "./headers";
import { collectGarbage, reserveScratch, RETURN_PTR } from "./memory";
import { HeaderPair, maxSerializedSize, serializePairsTo } from "./pairs";
import { Callout, enterCalloutContext, findCallout, forgetCallout, hostStatusMessage, isInFlight, trackCallout } from "./pending-callouts";
import { record, Status } from "./status";
import { GrpcStatus } from "./types";
import { encodeUtf8, maxUtf8Length } from "./utf8";

/** The outcome of a unary call: the response message, or the status it failed with. */
export class GrpcCallResponse {
  constructor(
    readonly status: GrpcStatus,
    /** The failure's message ("" on success). */
    readonly statusMessage: string,
    /** The serialized response, null when the call failed. */
    readonly message: ArrayBuffer | null,
  ) {}

  get failed(): bool {
    return this.message === null;
  }
}

/** Extend it and override onResponse; pass the context making the call to the constructor. One call at a time per handler. */
export class GrpcCallHandler extends Callout {
  /** The response or the failure, with the calling context as the effective context. */
  onResponse(response: GrpcCallResponse): void {}

  /** Gives up on the call: onResponse will not run. NotFound when it is already over. */
  cancel(): Status {
    if (!isInFlight(this)) return record(Status.NotFound);
    const status = record(proxy_grpc_cancel(this.token));
    forgetCallout(this);
    return status;
  }

  abandon(): void {
    proxy_grpc_cancel(this.token);
  }
}

/**
 * Extend it and override the callbacks you need; pass the context opening the stream to the
 * constructor. Callbacks run with that context as the effective context; metadata maps are readable
 * only inside their callback.
 */
export class GrpcStreamHandler extends Callout {
  /** This side closed or cancelled the stream. */
  localClosed: bool = false;

  onInitialMetadata(metadata: HeaderMap): void {}

  onMessage(message: ArrayBuffer): void {}

  onTrailingMetadata(metadata: HeaderMap): void {}

  /** The other side closed the stream (GrpcStatus.Ok or an error): nothing more arrives. */
  onClose(status: GrpcStatus, message: string): void {}

  /** Sends a serialized message; `endOfStream` also half-closes. NotFound once the stream is over. */
  send(message: ArrayBuffer, endOfStream: bool = false): Status {
    const status = record(proxy_grpc_send(this.token, changetype<usize>(message), message.byteLength, endOfStream ? 1 : 0));
    if (endOfStream && status == Status.Ok) this.localClosed = true;
    return status;
  }

  /** Half-closes: no more messages from this side; replies still arrive until onClose. NotFound once the stream is over. */
  close(): Status {
    if (!isInFlight(this)) return record(Status.NotFound);
    this.localClosed = true;
    return record(proxy_grpc_close(this.token));
  }

  /** Resets the stream: no more callbacks. NotFound once the stream is over. */
  cancel(): Status {
    if (!isInFlight(this)) return record(Status.NotFound);
    this.localClosed = true;
    const status = record(proxy_grpc_cancel(this.token));
    forgetCallout(this);
    return status;
  }

  abandon(): void {
    proxy_grpc_cancel(this.token);
  }
}

// Called by the proxy_on_grpc_* callbacks: the call hooks once a unary call was made, the stream hooks
// once a stream was opened; null keeps the callbacks free of the code a filter does not use.
export let onGrpcCallMessageHook: ((token: u32, messageSize: u32) => void) | null = null;
export let onGrpcCallCloseHook: ((token: u32, status: u32) => void) | null = null;
export let onGrpcStreamInitialMetadataHook: ((token: u32) => void) | null = null;
export let onGrpcStreamMessageHook: ((token: u32, messageSize: u32) => void) | null = null;
export let onGrpcStreamTrailingMetadataHook: ((token: u32) => void) | null = null;
export let onGrpcStreamCloseHook: ((token: u32, status: u32) => void) | null = null;

/** The stream with `token` if its context is still there (effective from now on), else null. */
function enterStream(token: u32): GrpcStreamHandler | null {
  const callout = findCallout(token);
  if (!(callout instanceof GrpcStreamHandler)) return null;
  const stream = changetype<GrpcStreamHandler>(callout);
  if (enterCalloutContext(stream)) return stream;
  stream.abandon();
  forgetCallout(stream);
  return null;
}

/** The unary call with `token`, forgotten since its one reply has come, or null. */
function takeCall(token: u32): GrpcCallHandler | null {
  const callout = findCallout(token);
  if (!(callout instanceof GrpcCallHandler)) return null;
  const call = changetype<GrpcCallHandler>(callout);
  forgetCallout(call);
  return call;
}

function deliverCallMessage(token: u32, messageSize: u32): void {
  const call = takeCall(token);
  if (call !== null && enterCalloutContext(call)) call.onResponse(new GrpcCallResponse(GrpcStatus.Ok, "", receivedMessage(messageSize)));
  collectGarbage();
}

function deliverCallClose(token: u32, status: u32): void {
  const call = takeCall(token);
  if (call !== null) {
    // The status message belongs to the root context: read it before another context is made effective.
    const message = hostStatusMessage();
    if (enterCalloutContext(call)) call.onResponse(new GrpcCallResponse(<GrpcStatus>status, message, null));
  }
  collectGarbage();
}

function deliverStreamInitialMetadata(token: u32): void {
  const stream = enterStream(token);
  if (stream !== null) stream.onInitialMetadata(grpcReceiveInitialMetadata);
  collectGarbage();
}

function deliverStreamMessage(token: u32, messageSize: u32): void {
  const stream = enterStream(token);
  if (stream !== null) stream.onMessage(receivedMessage(messageSize));
  collectGarbage();
}

function deliverStreamTrailingMetadata(token: u32): void {
  const stream = enterStream(token);
  if (stream !== null) stream.onTrailingMetadata(grpcReceiveTrailingMetadata);
  collectGarbage();
}

function receivedMessage(size: u32): ArrayBuffer {
  const message = grpcReceiveBuffer.getBytes(0, size);
  return message !== null ? message : new ArrayBuffer(0);
}

function deliverStreamClose(token: u32, status: u32): void {
  const message = hostStatusMessage();
  const stream = enterStream(token);
  if (stream !== null) {
    stream.onClose(<GrpcStatus>status, message);
    forgetCallout(stream);
    // Envoy keeps a stream this side has not closed: close it so the host can let it go.
    if (!stream.localClosed) {
      stream.localClosed = true;
      proxy_grpc_close(token);
    }
  }
  collectGarbage();
}

/** Writes cluster, service, method and metadata one after the other in scratch, noting where each ends. */
function encodeTarget(cluster: string, serviceName: string, methodName: string, initialMetadata: HeaderPair[] | null): void {
  const base = reserveScratch(
    maxUtf8Length(cluster) + maxUtf8Length(serviceName) + maxUtf8Length(methodName) +
    (initialMetadata !== null ? maxSerializedSize(initialMetadata) : 0),
  );
  let at = base;
  at += encodeUtf8(cluster, at);
  clusterEnd = at;
  at += encodeUtf8(serviceName, at);
  serviceEnd = at;
  at += encodeUtf8(methodName, at);
  methodEnd = at;
  if (initialMetadata !== null) at += serializePairsTo(initialMetadata, at);
  metadataEnd = at;
  targetBase = base;
}

// Where encodeTarget put each part (valid until the next use of scratch).
let targetBase: usize = 0;
let clusterEnd: usize = 0;
let serviceEnd: usize = 0;
let methodEnd: usize = 0;
let metadataEnd: usize = 0;

/**
 * A unary call of `serviceName`/`methodName` (e.g. "grpc.health.v1.Health", "Check") on the Envoy
 * cluster `cluster`, with a serialized request. `timeoutMilliseconds` 0 waits forever. The outcome
 * goes to `handler.onResponse`. Returns Ok, or the host's refusal (ParseFailure for an unknown
 * cluster): the handler is then never called.
 */
export function dispatchGrpcCall(
  cluster: string,
  serviceName: string,
  methodName: string,
  initialMetadata: HeaderPair[] | null,
  message: ArrayBuffer,
  timeoutMilliseconds: u32,
  handler: GrpcCallHandler,
): Status {
  if (isInFlight(handler)) return record(Status.BadArgument);
  onGrpcCallMessageHook = deliverCallMessage;
  onGrpcCallCloseHook = deliverCallClose;
  encodeTarget(cluster, serviceName, methodName, initialMetadata);
  const status = record(proxy_grpc_call(
    targetBase, clusterEnd - targetBase,
    clusterEnd, serviceEnd - clusterEnd,
    serviceEnd, methodEnd - serviceEnd,
    methodEnd, metadataEnd - methodEnd,
    changetype<usize>(message), message.byteLength,
    timeoutMilliseconds,
    RETURN_PTR,
  ));
  if (status == Status.Ok) trackCallout(handler, load<u32>(RETURN_PTR));
  return status;
}

/**
 * Opens a stream to `serviceName`/`methodName` on the Envoy cluster `cluster`; then send(), close()
 * or cancel() through the handler, which gets the replies. Returns Ok or the host's refusal.
 */
export function openGrpcStream(
  cluster: string,
  serviceName: string,
  methodName: string,
  initialMetadata: HeaderPair[] | null,
  handler: GrpcStreamHandler,
): Status {
  if (isInFlight(handler)) return record(Status.BadArgument);
  onGrpcStreamInitialMetadataHook = deliverStreamInitialMetadata;
  onGrpcStreamMessageHook = deliverStreamMessage;
  onGrpcStreamTrailingMetadataHook = deliverStreamTrailingMetadata;
  onGrpcStreamCloseHook = deliverStreamClose;
  encodeTarget(cluster, serviceName, methodName, initialMetadata);
  const status = record(proxy_grpc_stream(
    targetBase, clusterEnd - targetBase,
    clusterEnd, serviceEnd - clusterEnd,
    serviceEnd, methodEnd - serviceEnd,
    methodEnd, metadataEnd - methodEnd,
    RETURN_PTR,
  ));
  if (status == Status.Ok) {
    handler.localClosed = false;
    trackCallout(handler, load<u32>(RETURN_PTR));
  }
  return status;
}
