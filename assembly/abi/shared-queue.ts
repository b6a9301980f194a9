// Host calls for shared queues, named per vm_id and shared by its VMs.

/** Registers (or re-registers) a queue of the caller's vm_id; its root context gets proxy_on_queue_ready. */
// @ts-ignore: decorator
@external("env", "proxy_register_shared_queue")
export declare function proxy_register_shared_queue(namePtr: usize, nameSize: usize, returnId: usize): u32;

/** An empty vm_id means the caller's own; NotFound when no VM registered the name. */
// @ts-ignore: decorator
@external("env", "proxy_resolve_shared_queue")
export declare function proxy_resolve_shared_queue(vmIdPtr: usize, vmIdSize: usize, namePtr: usize, nameSize: usize, returnId: usize): u32;

// @ts-ignore: decorator
@external("env", "proxy_enqueue_shared_queue")
export declare function proxy_enqueue_shared_queue(queueId: u32, valuePtr: usize, valueSize: usize): u32;

/** FIFO; Empty when there is nothing to take, NotFound for an unknown queue. */
// @ts-ignore: decorator
@external("env", "proxy_dequeue_shared_queue")
export declare function proxy_dequeue_shared_queue(queueId: u32, returnValuePtr: usize, returnValueSize: usize): u32;
