// Callbacks for TCP (network filter) connections; data goes through abi/buffers, control through abi/http.
import * as dispatcher from "../dispatcher";

export function proxy_on_new_connection(contextId: u32): u32 {
  return dispatcher.onNewConnection(contextId);
}

export function proxy_on_downstream_data(contextId: u32, dataSize: u32, endOfStream: u32): u32 {
  return dispatcher.onDownstreamData(contextId, dataSize, endOfStream != 0);
}

export function proxy_on_upstream_data(contextId: u32, dataSize: u32, endOfStream: u32): u32 {
  return dispatcher.onUpstreamData(contextId, dataSize, endOfStream != 0);
}

export function proxy_on_downstream_connection_close(contextId: u32, peerType: u32): void {
  dispatcher.onDownstreamConnectionClose(contextId, peerType);
}

export function proxy_on_upstream_connection_close(contextId: u32, peerType: u32): void {
  dispatcher.onUpstreamConnectionClose(contextId, peerType);
}
