// One TCP connection through the plugin as an Envoy network filter: on_new_connection, downstream and
// upstream data (StopIteration keeps data in the connection buffer, which grows with the next read),
// and close callbacks in Envoy's order: on_downstream_connection_close → on_done → on_log → on_delete.

import { EventEmitter } from "node:events";
import { Body } from "./body.ts";
import { PeerType } from "./constants.ts";
import type { Context } from "./context.ts";
import type { HostEnv } from "./env.ts";
import type { Vm } from "./vm.ts";

export type Peer = "unknown" | "local" | "remote";

const PEERS: Record<Peer, number> = { unknown: PeerType.Unknown, local: PeerType.Local, remote: PeerType.Remote };

export class TcpStream extends EventEmitter {
  readonly id: number;
  readonly connectionId: number;
  /** Why the connection was closed by the host side ("wasm_downstream_close", "wasm_fail_stream", …). */
  closedBy: string | null = null;
  downstreamClosed = false;
  upstreamClosed = false;
  completed = false;
  private opened = false;
  private readPaused = false;
  private readonly downHeld = new Body();
  private readonly upHeld = new Body();
  private readonly toUpstream: Buffer[] = [];
  private readonly toDownstream: Buffer[] = [];
  private upstreamCount = 0;
  private downstreamCount = 0;

  /** @internal Use ProxyWasmHost.tcp(). */
  constructor(
    private readonly env: HostEnv,
    private readonly vm: Vm | null,
    private readonly ctx: Context | null,
    connectionId: number,
  ) {
    super();
    this.id = ctx?.id ?? 0;
    if (ctx) ctx.tcp = this;
    this.connectionId = connectionId;
  }

  private live(): boolean {
    const vm = this.vm;
    return vm !== null && this.ctx !== null && !vm.failed && vm.configured;
  }

  /** Fail-open: pass through. Fail-closed: Envoy closes the connection. Returns true if handled. */
  private failed(): boolean {
    if (this.live()) return false;
    if (!this.env.options.failOpen && !this.completed) {
      this.closedBy = "wasm_fail_stream";
      this.emit("close", this.closedBy);
      this.downstreamClosed = true;
      this.completed = true;
    }
    return true;
  }

  /** The connection is accepted: on_context_create, on_new_connection. Returns the callback's result. */
  open(): number | null {
    if (this.opened || this.completed) return null;
    this.opened = true;
    if (this.failed()) return null;
    const vm = this.vm!;
    const ctx = this.ctx!;
    vm.createContext(ctx);
    let r = 0;
    const onNewConnection = vm.cb.proxy_on_new_connection;
    if (onNewConnection && !vm.failed) r = vm.invoke(onNewConnection, ctx, ctx.id);
    if (this.failed()) return null;
    if (r !== 0) this.readPaused = true;
    return r;
  }

  /** Bytes from the client (Envoy onData). Returns the callback's result. */
  downstreamData(data: string | Uint8Array, endOfStream = false): number | null {
    if (!this.opened) this.open();
    if (this.completed || this.downstreamClosed) return null;
    const chunk = typeof data === "string" ? Buffer.from(data) : Buffer.from(data);
    if (this.failed()) {
      if (this.env.options.failOpen) this.forward("upstream", chunk, endOfStream);
      return null;
    }
    const vm = this.vm!;
    const ctx = this.ctx!;
    this.downHeld.append(chunk);
    ctx.downstreamData = this.downHeld;
    ctx.endOfStream = endOfStream;
    let r = 0;
    const onData = vm.cb.proxy_on_downstream_data;
    if (onData && !vm.failed) r = vm.invoke(onData, ctx, ctx.id, this.downHeld.length, endOfStream ? 1 : 0);
    if (this.failed()) {
      if (this.env.options.failOpen) this.forward("upstream", this.downHeld.take(), endOfStream);
      return null;
    }
    if (r === 0 && !this.completed) {
      ctx.downstreamData = null;
      if (!this.readPaused) this.forward("upstream", this.downHeld.take(), endOfStream);
    }
    return r;
  }

  /** Bytes from the upstream server (Envoy onWrite); end of stream also reports the upstream close. */
  upstreamData(data: string | Uint8Array, endOfStream = false): number | null {
    if (this.completed || this.upstreamClosed) return null;
    const chunk = typeof data === "string" ? Buffer.from(data) : Buffer.from(data);
    if (this.failed()) {
      if (this.env.options.failOpen) this.forward("downstream", chunk, endOfStream);
      return null;
    }
    const vm = this.vm!;
    const ctx = this.ctx!;
    this.upHeld.append(chunk);
    ctx.upstreamData = this.upHeld;
    ctx.endOfStream = endOfStream;
    let r = 0;
    const onData = vm.cb.proxy_on_upstream_data;
    if (onData && !vm.failed) r = vm.invoke(onData, ctx, ctx.id, this.upHeld.length, endOfStream ? 1 : 0);
    if (!this.failed() && r === 0 && !this.completed) {
      ctx.upstreamData = null;
      this.forward("downstream", this.upHeld.take(), endOfStream);
    }
    if (endOfStream) this.closeUpstream("unknown");
    return r;
  }

  /** The client side closed (Envoy RemoteClose / LocalClose). */
  closeDownstream(peer: Peer = "remote"): void {
    if (this.downstreamClosed || this.completed) return;
    this.downstreamClosed = true;
    const onClose = this.vm?.cb.proxy_on_downstream_connection_close;
    if (onClose && this.live() && this.ctx!.created) this.vm!.invoke(onClose, this.ctx!, this.ctx!.id, PEERS[peer]);
    this.finish();
  }

  /** The upstream side closed; teardown waits for the downstream close. */
  closeUpstream(peer: Peer = "remote"): void {
    if (this.upstreamClosed || this.completed) return;
    this.upstreamClosed = true;
    const onClose = this.vm?.cb.proxy_on_upstream_connection_close;
    if (onClose && this.live() && this.ctx!.created) this.vm!.invoke(onClose, this.ctx!, this.ctx!.id, PEERS[peer]);
    if (this.downstreamClosed) this.finish();
  }

  /** Closes whatever is still open (downstream first) so the context is torn down. */
  complete(): this {
    this.closeDownstream("remote");
    return this;
  }

  /** Envoy onCloseTCP: on_done → on_log → on_delete. */
  private finish(): void {
    if (this.completed) return;
    this.completed = true;
    const vm = this.vm;
    const ctx = this.ctx;
    if (vm && ctx && this.live() && ctx.created) {
      ctx.downstreamData = ctx.upstreamData = null;
      const { proxy_on_done: onDone, proxy_on_log: onLog } = vm.cb;
      if (onDone && !vm.failed) vm.invoke(onDone, ctx, ctx.id);
      if (onLog && !vm.failed) vm.invoke(onLog, ctx, ctx.id);
      vm.deleteContext(ctx);
    } else if (vm && ctx) {
      vm.contexts.delete(ctx.id);
    }
    this.emit("complete");
  }

  /** @internal proxy_continue_stream(DOWNSTREAM): Envoy continueReading(). */
  continueReading(): void {
    if (this.completed) return;
    this.readPaused = false;
    if (this.ctx) this.ctx.downstreamData = null;
    const data = this.downHeld.take();
    if (data.length > 0) this.forward("upstream", data, false);
  }

  /** @internal proxy_close_stream: the connection is closed with FlushWrite (a local close). */
  closeByFilter(details: string): void {
    if (this.completed) return;
    this.closedBy ??= details;
    this.emit("close", details);
    this.closeDownstream("local");
  }

  private forward(to: "upstream" | "downstream", data: Buffer, eos: boolean): void {
    if (data.length > 0) {
      if (to === "upstream") this.upstreamCount += data.length;
      else this.downstreamCount += data.length;
      if (this.env.options.retainBodies) (to === "upstream" ? this.toUpstream : this.toDownstream).push(data);
    }
    this.emit(to === "upstream" ? "upstreamData" : "downstreamData", data, eos);
  }

  /** Bytes the filter let through to the upstream server so far (empty without retainBodies). */
  get upstreamBytes(): Buffer {
    return Buffer.concat(this.toUpstream);
  }

  /** Bytes the filter let through to the client so far (empty without retainBodies). */
  get downstreamBytes(): Buffer {
    return Buffer.concat(this.toDownstream);
  }

  /** How many bytes went upstream / downstream (counted also without retainBodies). */
  get upstreamByteCount(): number {
    return this.upstreamCount;
  }
  get downstreamByteCount(): number {
    return this.downstreamCount;
  }
}
