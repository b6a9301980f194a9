// Host statuses as values. Every SDK call that can fail returns a Status or records it for lastStatus().

/** proxy_status_t as Envoy returns it (docs/abi.md §1.5). */
export enum Status {
  Ok = 0,
  NotFound = 1,
  BadArgument = 2,
  SerializationFailure = 3,
  ParseFailure = 4,
  InvalidMemoryAccess = 6,
  Empty = 7,
  CasMismatch = 8,
  InternalFailure = 10,
  BrokenConnection = 11,
  Unimplemented = 12,
}

let last: Status = Status.Ok;

/** The status of the most recent host call made by an SDK getter that returns null or a default on failure. */
export function lastStatus(): Status {
  return last;
}

/** Records `status` as the last status and returns it. */
// @ts-ignore: decorator
@inline
export function record(status: u32): Status {
  last = <Status>status;
  return <Status>status;
}
