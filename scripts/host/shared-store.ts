// Process-wide shared data and shared queues (cpp-host shared_data.cc / shared_queue.cc), keyed by vm_id.
// One store per host by default; pass the same store to several hosts to emulate workers of one Envoy.

import { Status } from "./constants.ts";

export interface SharedValue {
  value: Buffer;
  cas: number;
}

/** Something that runs work once it is done with its current host→VM call (a Vm: addAfterVmCallAction). */
export interface QueuePoster {
  defer(fn: () => void): void;
}

/** Who gets proxy_on_queue_ready for a queue: the root context that registered it last. */
export interface QueueTarget {
  /** `from`: the VM whose hostcall enqueued (none when the test enqueues). */
  notify(queueId: number, from?: QueuePoster): void;
}

interface Queue {
  id: number;
  vmId: string;
  name: string;
  items: Buffer[];
  target: QueueTarget | null;
}

export class SharedStore {
  private readonly data = new Map<string, Map<string, SharedValue>>();
  private nextCas = 1;
  private readonly queuesByKey = new Map<string, Queue>();
  private readonly queuesById = new Map<number, Queue>();
  private nextQueueId = 1;

  get(vmId: string, key: string): SharedValue | undefined {
    return this.data.get(vmId)?.get(key);
  }

  /** cas 0 sets unconditionally; otherwise it must match the stored cas. Every set gets a fresh cas. */
  set(vmId: string, key: string, value: Buffer, cas: number): number {
    let map = this.data.get(vmId);
    if (!map) this.data.set(vmId, (map = new Map()));
    const existing = map.get(key);
    if (existing && cas !== 0 && cas !== existing.cas) return Status.CasMismatch;
    map.set(key, { value, cas: this.takeCas() });
    return Status.Ok;
  }

  keys(vmId: string): string[] {
    return [...(this.data.get(vmId)?.keys() ?? [])];
  }

  private takeCas(): number {
    const cas = this.nextCas;
    this.nextCas = (this.nextCas + 1) >>> 0;
    if (this.nextCas === 0) this.nextCas = 1;
    return cas;
  }

  registerQueue(vmId: string, name: string, target: QueueTarget | null): number {
    const key = `${vmId}\0${name}`;
    let q = this.queuesByKey.get(key);
    if (!q) {
      q = { id: this.nextQueueId++, vmId, name, items: [], target };
      this.queuesByKey.set(key, q);
      this.queuesById.set(q.id, q);
    } else {
      q.target = target;
    }
    return q.id;
  }

  resolveQueue(vmId: string, name: string): number | undefined {
    return this.queuesByKey.get(`${vmId}\0${name}`)?.id;
  }

  enqueue(id: number, value: Buffer, from?: QueuePoster): number {
    const q = this.queuesById.get(id);
    if (!q) return Status.NotFound;
    q.items.push(value);
    q.target?.notify(id, from);
    return Status.Ok;
  }

  dequeue(id: number): Buffer | number {
    const q = this.queuesById.get(id);
    if (!q) return Status.NotFound;
    const item = q.items.shift();
    return item === undefined ? Status.Empty : item;
  }

  queueSize(id: number): number | undefined {
    return this.queuesById.get(id)?.items.length;
  }
}
