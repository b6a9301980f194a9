// The shared-queue callback. Its hook stays null (an empty callback) unless the filter registers a queue.
import { onQueueReadyHook } from "../shared-queue";

/** Sent to the root context that registered the queue, after an enqueue. */
export function proxy_on_queue_ready(rootContextId: u32, queueId: u32): void {
  const hook = onQueueReadyHook;
  if (hook !== null) hook(rootContextId, queueId);
}
