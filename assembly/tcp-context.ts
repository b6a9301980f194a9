// The per-connection context of a TCP (network) filter.
import { ContextKind } from "./base-context";
import { downstreamData, HostBuffer, upstreamData } from "./buffers";
import { closeStream, continueStream } from "./http";
import { RootContext } from "./root-context";
import { Status } from "./status";
import { StreamContext } from "./stream-context";
import { Action, PeerType, StreamType } from "./types";

/**
 * Override the callbacks you need; data callbacks default to Action.Continue. Envoy calls
 * onNewConnection, then onDownstreamData / onUpstreamData as bytes arrive (read or rewrite them
 * through downstreamData / upstreamData), then the close callbacks, onDone, onLog and onDelete.
 */
export class TcpContext extends StreamContext {
  constructor(id: u32, root: RootContext) {
    super(id, ContextKind.Tcp, root);
  }

  onNewConnection(): Action {
    return Action.Continue;
  }

  /** `dataSize` bytes from the client are in downstreamData. */
  onDownstreamData(dataSize: u32, endOfStream: bool): Action {
    return Action.Continue;
  }

  /** `dataSize` bytes from the upstream are in upstreamData. */
  onUpstreamData(dataSize: u32, endOfStream: bool): Action {
    return Action.Continue;
  }

  /** The client side closed (`peer`: who closed it, as far as Envoy knows). */
  onDownstreamConnectionClose(peer: PeerType): void {}

  onUpstreamConnectionClose(peer: PeerType): void {}

  get downstreamData(): HostBuffer {
    return downstreamData;
  }

  get upstreamData(): HostBuffer {
    return upstreamData;
  }

  /** Resumes reading from the client after Action.Pause. */
  continueDownstream(): Status {
    return continueStream(StreamType.Downstream);
  }

  /** Envoy answers Status.Unimplemented: upstream reads cannot be paused and resumed. */
  continueUpstream(): Status {
    return continueStream(StreamType.Upstream);
  }

  /** Closes the connection to the client (after flushing what was written). */
  closeDownstream(): Status {
    return closeStream(StreamType.Downstream);
  }

  closeUpstream(): Status {
    return closeStream(StreamType.Upstream);
  }
}
