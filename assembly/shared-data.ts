// Shared data: key/value pairs every VM with the same vm_id can read and write (Envoy keeps them for the
// whole process: all worker threads, and across plugin reloads). Each write stores a new CAS token; a
// write that passes the token it read fails with Status.CasMismatch if another VM wrote in between.
import { proxy_get_shared_data, proxy_set_shared_data } from "./abi/shared-data";
import { arg0, arg0Length, arg1, arg1Length, encodeArg, encodeArgs, RETURN_PTR, RETURN_SIZE, RETURN_U64, takeBytes } from "./memory";
import { lastStatus, record, Status } from "./status";
import { decodeUtf8 } from "./utf8";

/** A shared value and the CAS token of the write that stored it. */
export class SharedValue {
  constructor(readonly value: ArrayBuffer, readonly cas: u32) {}

  /** The value as UTF-8 text. */
  text(): string {
    return decodeUtf8(changetype<usize>(this.value), this.value.byteLength);
  }
}

/** The value of `key` with its CAS token, or null when missing (lastStatus() is then NotFound). */
export function getSharedData(key: string): SharedValue | null {
  encodeArg(key);
  if (record(proxy_get_shared_data(arg0, arg0Length, RETURN_PTR, RETURN_SIZE, RETURN_U64)) != Status.Ok) return null;
  const cas = load<u32>(RETURN_U64);
  return new SharedValue(takeBytes(), cas);
}

/** Stores `value`. With the `cas` of a getSharedData, only if nobody wrote since (else CasMismatch); 0 writes anyway. */
export function setSharedData(key: string, value: ArrayBuffer, cas: u32 = 0): Status {
  encodeArg(key);
  return record(proxy_set_shared_data(arg0, arg0Length, changetype<usize>(value), value.byteLength, cas));
}

/** setSharedData with a UTF-8 text value. */
export function setSharedDataString(key: string, value: string, cas: u32 = 0): Status {
  encodeArgs(key, value);
  return record(proxy_set_shared_data(arg0, arg0Length, arg1, arg1Length, cas));
}

/**
 * A read-modify-write for updateSharedData. Override `update`; keep what it decided (allowed or not,
 * the new count, ...) in fields of your subclass, since it may run more than once.
 */
export class SharedDataUpdate {
  /** The value to store given the current one (null when the key is missing), or null to store nothing. */
  update(current: SharedValue | null): ArrayBuffer | null {
    return null;
  }
}

/**
 * Reads `key`, asks `change` for the new value and writes it with the CAS token it read; when another VM
 * wrote in between (CasMismatch) it reads and asks again, up to `attempts` times. Returns Ok when the value
 * was written or `change` wanted no write, CasMismatch when every attempt lost the race, or the host's
 * status. A missing key is written without a token (Envoy has no "create if absent"), so two VMs creating
 * the same key at the same moment can both succeed.
 */
export function updateSharedData(key: string, change: SharedDataUpdate, attempts: u32 = 8): Status {
  let status = Status.CasMismatch;
  for (let attempt: u32 = 0; attempt < attempts && status == Status.CasMismatch; attempt++) {
    const current = getSharedData(key);
    if (current === null && lastStatus() != Status.NotFound) return lastStatus();
    const next = change.update(current);
    if (next === null) return record(Status.Ok);
    status = setSharedData(key, next, current !== null ? current.cas : 0);
  }
  return status;
}
