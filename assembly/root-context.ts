// The plugin-wide context: configuration, timers, and the factory of stream contexts.
import { proxy_done } from "./abi/lifecycle";
import { proxy_set_tick_period_milliseconds } from "./abi/timers";
import { BaseContext, ContextKind } from "./base-context";
import { bufferBytes, bufferString } from "./buffers";
import { HttpContext } from "./http-context";
import { TcpContext } from "./tcp-context";
import { record, Status } from "./status";
import { BufferType } from "./types";

/**
 * One per plugin (root id) in a VM. Envoy may start several VMs (a canary, one per worker), each
 * running onVmStart and onConfigure: keep state that must be shared in shared data, not here.
 */
export class RootContext extends BaseContext {
  /** The root id this context serves (the host's plugin_root_id). */
  rootId: string = "";

  constructor(id: u32) {
    super(id, ContextKind.Root);
  }

  /** The VM started; `vmConfigurationSize` bytes of VM configuration are readable. False fails the VM. */
  onVmStart(vmConfigurationSize: u32): bool {
    return true;
  }

  /** New plugin configuration (`getPluginConfiguration()`). False rejects it: log why at Critical. */
  onConfigure(pluginConfigurationSize: u32): bool {
    return true;
  }

  /** Called every tick period (setTickPeriodMilliseconds). */
  onTick(): void {}

  /** Items were enqueued on a queue this root registered (registerSharedQueue); dequeue them. */
  onQueueReady(queueId: u32): void {}

  /** A host event with `argumentsSize` bytes in foreignFunctionArguments (see receiveForeignFunctionCalls). */
  onForeignFunction(functionId: u32, argumentsSize: u32): void {}

  /** The plugin is shutting down. Return false to finish later with done(). */
  onDone(): bool {
    return true;
  }

  onDelete(): void {}

  /** A new HTTP stream: return its context, or null when this root is not an HTTP filter. */
  createHttpContext(contextId: u32): HttpContext | null {
    return null;
  }

  /** A new TCP connection (asked when createHttpContext gave null): its context, or null. */
  createTcpContext(contextId: u32): TcpContext | null {
    return null;
  }

  /** The plugin configuration as text: "" when empty, null outside onConfigure. */
  getPluginConfiguration(): string | null {
    return bufferString(BufferType.PluginConfiguration);
  }

  getPluginConfigurationBytes(): ArrayBuffer | null {
    return bufferBytes(BufferType.PluginConfiguration);
  }

  /** The VM configuration as text: "" when empty. */
  getVmConfiguration(): string | null {
    return bufferString(BufferType.VmConfiguration);
  }

  getVmConfigurationBytes(): ArrayBuffer | null {
    return bufferBytes(BufferType.VmConfiguration);
  }

  /** Calls onTick every `milliseconds` (0 stops the timer). */
  setTickPeriodMilliseconds(milliseconds: u32): Status {
    return record(proxy_set_tick_period_milliseconds(milliseconds));
  }

  /** Finishes a shutdown that onDone postponed by returning false. */
  done(): Status {
    return record(proxy_done());
  }
}
