// Shared queues: FIFO queues named per vm_id. Any VM of the vm_id may enqueue and dequeue; the root context
// that registered the queue (the last to register it) gets onQueueReady after each enqueue.
import {
  proxy_dequeue_shared_queue,
  proxy_enqueue_shared_queue,
  proxy_register_shared_queue,
  proxy_resolve_shared_queue,
} from "./abi/shared-queue";
import { findRoot } from "./dispatcher";
import { arg0, arg0Length, arg1, arg1Length, collectGarbage, encodeArg, encodeArgs, RETURN_PTR, RETURN_SIZE, takeBytes, takeString } from "./memory";
import { record, Status } from "./status";

/** A queue by its host id (what onQueueReady receives). */
export class SharedQueue {
  constructor(readonly id: u32) {}

  enqueue(value: ArrayBuffer): Status {
    return record(proxy_enqueue_shared_queue(this.id, changetype<usize>(value), value.byteLength));
  }

  enqueueString(value: string): Status {
    encodeArg(value);
    return record(proxy_enqueue_shared_queue(this.id, arg0, arg0Length));
  }

  /** The oldest item, or null: lastStatus() is Empty when there is none, NotFound for an unknown queue. */
  dequeue(): ArrayBuffer | null {
    if (record(proxy_dequeue_shared_queue(this.id, RETURN_PTR, RETURN_SIZE)) != Status.Ok) return null;
    return takeBytes();
  }

  /** The oldest item as UTF-8 text, or null like dequeue(). */
  dequeueString(): string | null {
    if (record(proxy_dequeue_shared_queue(this.id, RETURN_PTR, RETURN_SIZE)) != Status.Ok) return null;
    return takeString();
  }
}

/** Called by proxy_on_queue_ready once a queue was registered; null keeps the callback empty in filters without queues. */
export let onQueueReadyHook: ((rootId: u32, queueId: u32) => void) | null = null;

function deliverQueueReady(rootId: u32, queueId: u32): void {
  const root = findRoot(rootId);
  if (root !== null) root.onQueueReady(queueId);
  collectGarbage();
}

/**
 * Creates the queue `name` of this vm_id, or takes over an existing one (keeping its items): the calling
 * context's root gets onQueueReady(queue.id) from now on. Null when the host refused (see lastStatus()).
 */
export function registerSharedQueue(name: string): SharedQueue | null {
  onQueueReadyHook = deliverQueueReady;
  encodeArg(name);
  if (record(proxy_register_shared_queue(arg0, arg0Length, RETURN_PTR)) != Status.Ok) return null;
  return new SharedQueue(load<u32>(RETURN_PTR));
}

/** The queue `name` registered by a VM of `vmId` ("" for this VM's own), or null (NotFound) when there is none yet. */
export function resolveSharedQueue(name: string, vmId: string = ""): SharedQueue | null {
  encodeArgs(vmId, name);
  if (record(proxy_resolve_shared_queue(arg0, arg0Length, arg1, arg1Length, RETURN_PTR)) != Status.Ok) return null;
  return new SharedQueue(load<u32>(RETURN_PTR));
}
