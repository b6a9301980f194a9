// The two messages of grpc.health.v1 (https://github.com/grpc/grpc/blob/master/doc/health-checking.md),
// encoded by hand: HealthCheckRequest { string service = 1; } and
// HealthCheckResponse { ServingStatus status = 1; }.

export enum ServingStatus {
  Unknown = 0,
  Serving = 1,
  NotServing = 2,
  ServiceUnknown = 3,
}

/** The serialized request; an empty service name is the default value, so the message is empty. */
export function encodeHealthCheckRequest(service: string): ArrayBuffer {
  const name = Uint8Array.wrap(String.UTF8.encode(service));
  if (name.length == 0) return new ArrayBuffer(0);
  const message = new Uint8Array(1 + 5 + name.length);
  message[0] = 0x0a; // field 1, length-delimited
  let at = 1;
  let length = <u32>name.length;
  while (length >= 0x80) {
    message[at++] = <u8>(length | 0x80);
    length >>= 7;
  }
  message[at++] = <u8>length;
  message.set(name, at);
  return message.buffer.slice(0, at + name.length);
}

/** The status field of a serialized response (Unknown when absent or unreadable). */
export function readHealthCheckResponse(message: ArrayBuffer): ServingStatus {
  const bytes = Uint8Array.wrap(message);
  let at = 0;
  let status = ServingStatus.Unknown;
  while (at < bytes.length) {
    const key = readVarint(bytes, at);
    at = varintEnd;
    if (at < 0) return ServingStatus.Unknown;
    const wireType = <u32>key & 7;
    if (wireType == 0) {
      const value = readVarint(bytes, at);
      at = varintEnd;
      if (at < 0) return ServingStatus.Unknown;
      if (key >> 3 == 1) status = <ServingStatus>value;
    } else if (wireType == 2) {
      const length = readVarint(bytes, at);
      at = varintEnd;
      if (at < 0 || length > <u64>(bytes.length - at)) return ServingStatus.Unknown;
      at += <i32>length;
    } else {
      return ServingStatus.Unknown;
    }
  }
  return status;
}

/** Where the last readVarint stopped, or -1 when the bytes ran out. */
let varintEnd: i32 = 0;

function readVarint(bytes: Uint8Array, at: i32): u64 {
  let value: u64 = 0;
  for (let shift: u64 = 0; shift < 64; shift += 7) {
    if (at >= bytes.length) break;
    const byte = bytes[at++];
    value |= <u64>(byte & 0x7f) << shift;
    if (byte < 0x80) {
      varintEnd = at;
      return value;
    }
  }
  varintEnd = -1;
  return 0;
}
