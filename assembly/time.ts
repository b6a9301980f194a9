// Time from the host (the wall clock Envoy reports; the emulator's virtual clock in tests).
import { proxy_get_current_time_nanoseconds } from "./abi/timers";
import { RETURN_U64 } from "./memory";

/** Nanoseconds since the Unix epoch, from the host. Use this instead of Date.now(), which Envoy cannot provide. */
export function currentTimeNanoseconds(): i64 {
  proxy_get_current_time_nanoseconds(RETURN_U64);
  return load<i64>(RETURN_U64);
}

/** Milliseconds since the Unix epoch, from the host. */
export function currentTimeMilliseconds(): i64 {
  return currentTimeNanoseconds() / 1_000_000;
}
