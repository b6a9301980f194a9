// The module's identity and the context lifecycle: ABI marker, allocator, context callbacks.
import * as dispatcher from "../dispatcher";

/** ABI marker: never called; the host detects the ABI version by its name. */
export function proxy_abi_version_0_2_1(): void {}

/**
 * The allocator the host uses for data it hands to the module (exported as both `malloc` and
 * `proxy_on_memory_allocate`). Unmanaged memory: the SDK copies what it needs and frees the block,
 * so a garbage collection can never move or reclaim it behind the host's back. Calls no host function.
 */
export function malloc(size: usize): usize {
  return heap.alloc(size);
}

export function proxy_on_context_create(contextId: u32, parentContextId: u32): void {
  dispatcher.onContextCreate(contextId, parentContextId);
}

export function proxy_on_vm_start(rootContextId: u32, vmConfigurationSize: u32): u32 {
  return dispatcher.onVmStart(rootContextId, vmConfigurationSize);
}

export function proxy_on_configure(rootContextId: u32, pluginConfigurationSize: u32): u32 {
  return dispatcher.onConfigure(rootContextId, pluginConfigurationSize);
}

export function proxy_on_log(contextId: u32): void {
  dispatcher.onLog(contextId);
}

export function proxy_on_done(contextId: u32): u32 {
  return dispatcher.onDone(contextId);
}

export function proxy_on_delete(contextId: u32): void {
  dispatcher.onDelete(contextId);
}
