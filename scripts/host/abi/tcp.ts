// TCP (network filter) callbacks. TCP data is read and written through the buffer calls
// (DOWNSTREAM_DATA / UPSTREAM_DATA); proxy_continue_stream / proxy_close_stream live in http.ts.

import { voids, words, type CallbackSpecs, type HostFunctions } from "../host-function.ts";

export const callbacks: CallbackSpecs = {
  proxy_on_new_connection: { sig: words(1) },
  proxy_on_downstream_data: { sig: words(3) },
  proxy_on_upstream_data: { sig: words(3) },
  proxy_on_downstream_connection_close: { sig: voids(2) },
  proxy_on_upstream_connection_close: { sig: voids(2) },
};

export function functions(): HostFunctions {
  return {};
}
