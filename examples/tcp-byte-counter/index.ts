// tcp-byte-counter: a network (TCP) filter that counts the bytes of every connection into metrics and
// closes connections that move more than a configured number of bytes (both directions together).
//   tcp_byte_counter.downstream_bytes    counter   bytes from clients
//   tcp_byte_counter.upstream_bytes      counter   bytes from upstream servers
//   tcp_byte_counter.connections_closed  counter   connections closed for going over the limit
//   tcp_byte_counter.active_connections  gauge
// Configuration: empty (no limit) or {"max_bytes_per_connection": 1048576}.
// Importing this file registers nothing; main.ts is the build entry.
import {
  Action,
  Counter,
  Gauge,
  lastJsonError,
  logCritical,
  logInfo,
  parseInteger,
  parseJsonObject,
  PeerType,
  RootContext,
  TcpContext,
} from "../../assembly";

export const TCP_BYTE_COUNTER_ROOT_ID = "tcp_byte_counter";

export class ByteCounterRoot extends RootContext {
  /** 0: no limit. */
  maxBytes: u64 = 0;
  readonly downstreamBytes: Counter = new Counter("tcp_byte_counter.downstream_bytes");
  readonly upstreamBytes: Counter = new Counter("tcp_byte_counter.upstream_bytes");
  readonly closed: Counter = new Counter("tcp_byte_counter.connections_closed");
  readonly active: Gauge = new Gauge("tcp_byte_counter.active_connections");

  onConfigure(pluginConfigurationSize: u32): bool {
    const text = this.getPluginConfiguration();
    if (text === null || text.length == 0) return true;
    const json = parseJsonObject(text);
    const max = json !== null ? parseInteger(json.getRaw("max_bytes_per_connection")) : -1;
    if (max < 0) {
      logCritical("tcp_byte_counter: configuration needs a non-negative integer \"max_bytes_per_connection\" " + lastJsonError());
      return false;
    }
    this.maxBytes = <u64>max;
    return true;
  }

  createTcpContext(contextId: u32): TcpContext {
    return new ByteCounter(contextId, this);
  }
}

export class ByteCounter extends TcpContext {
  private downstream: u64 = 0;
  private upstream: u64 = 0;
  private closing: bool = false;

  constructor(id: u32, readonly config: ByteCounterRoot) {
    super(id, config);
  }

  onNewConnection(): Action {
    this.config.active.add(1);
    return Action.Continue;
  }

  onDownstreamData(dataSize: u32, endOfStream: bool): Action {
    if (this.closing) return Action.Pause;
    if (dataSize > 0) this.config.downstreamBytes.increment(dataSize); // counters refuse 0
    this.downstream += dataSize;
    return this.checkLimit();
  }

  onUpstreamData(dataSize: u32, endOfStream: bool): Action {
    if (this.closing) return Action.Pause;
    if (dataSize > 0) this.config.upstreamBytes.increment(dataSize);
    this.upstream += dataSize;
    return this.checkLimit();
  }

  /** Over the limit: hold this data back and close the connection (Envoy flushes what was already written). */
  private checkLimit(): Action {
    const max = this.config.maxBytes;
    if (max == 0 || this.downstream + this.upstream <= max) return Action.Continue;
    this.closing = true;
    this.config.closed.increment();
    logInfo("tcp_byte_counter: closing connection " + this.id.toString() + " after " + (this.downstream + this.upstream).toString() + " bytes");
    this.closeDownstream();
    return Action.Pause;
  }

  onDownstreamConnectionClose(peer: PeerType): void {
    logInfo("tcp_byte_counter: connection " + this.id.toString() + " closed by the " + (peer == PeerType.Local ? "proxy" : peer == PeerType.Remote ? "client" : "unknown peer"));
  }

  onLog(): void {
    logInfo("tcp_byte_counter: connection " + this.id.toString() + ": " + this.downstream.toString() + " bytes from the client, " + this.upstream.toString() + " from the upstream");
  }

  onDone(): void {
    this.config.active.add(-1);
  }
}
