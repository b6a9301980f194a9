// The AssemblyScript `abort` replacement (asc --use abort=proxyWasmAbort): Envoy has no `env.abort`.
// It logs "<message> at <file>:<line>" at CRITICAL through proxy_log and traps;
// WASI proc_exit would only log and return in Envoy.
import { proxy_log } from "./abi/logging";
import { decimal } from "./decimal";
import { arg0, arg0Length, encodeArg } from "./memory";

// @ts-ignore: decorator
@global
export function proxyWasmAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  encodeArg((message !== null ? message : "abort") + " at " + (fileName !== null ? fileName : "?") + ":" + decimal(line));
  proxy_log(5, arg0, arg0Length);
  unreachable();
}
