// The HTTP callout callback. Its hook stays null (an empty callback) unless the filter makes callouts.
import { onHttpCallResponseHook } from "../callouts";

/** A callout's reply, on the root context id; headerCount 0 means it failed. */
export function proxy_on_http_call_response(rootContextId: u32, token: u32, headerCount: u32, bodySize: u32, trailerCount: u32): void {
  const hook = onHttpCallResponseHook;
  if (hook !== null) hook(token, headerCount, bodySize, trailerCount);
}
