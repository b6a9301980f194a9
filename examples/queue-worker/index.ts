// queue-worker: HTTP requests hand work to the root context through a shared queue; the root processes
// the items when the queue is ready and publishes a summary to shared data on every tick.
//   each request          enqueues "<method> <path>" on the queue "queue_worker.jobs"
//   onQueueReady          dequeues every item, counts it (counter queue_worker.processed), logs it at DEBUG
//   onTick                stores {"processed":N,"bytes":M} under the shared-data key "queue_worker.summary"
//   shutdown              onDone returns false; the next tick drains the queue, stores the summary with
//                         "final":true, stops the timer and calls done()
// Configuration: empty or {"tick_ms": 1000} (the default; a positive integer).
// Importing this file registers nothing; main.ts is the build entry.
import {
  Action,
  Counter,
  HttpContext,
  isLogEnabled,
  lastJsonError,
  LogLevel,
  logCritical,
  logDebug,
  parseInteger,
  parseJsonObject,
  registerSharedQueue,
  RootContext,
  setSharedDataString,
  SharedQueue,
} from "../../assembly";

export const QUEUE_WORKER_ROOT_ID = "queue_worker";
export const QUEUE_NAME = "queue_worker.jobs";
export const SUMMARY_KEY = "queue_worker.summary";

export class QueueWorkerRoot extends RootContext {
  queue: SharedQueue | null = null;
  processed: u64 = 0;
  bytes: u64 = 0;
  shuttingDown: bool = false;
  readonly processedItems: Counter = new Counter("queue_worker.processed");

  onConfigure(pluginConfigurationSize: u32): bool {
    const text = this.getPluginConfiguration();
    let tickMilliseconds: i64 = 1000;
    if (text !== null && text.length > 0) {
      const json = parseJsonObject(text);
      tickMilliseconds = json !== null ? parseInteger(json.getRaw("tick_ms")) : -1;
      if (tickMilliseconds <= 0 || tickMilliseconds > <i64>u32.MAX_VALUE) {
        logCritical("queue_worker: configuration needs a positive integer \"tick_ms\" " + lastJsonError());
        return false;
      }
    }
    this.queue = registerSharedQueue(QUEUE_NAME);
    if (this.queue === null) {
      logCritical("queue_worker: cannot register the queue " + QUEUE_NAME);
      return false;
    }
    this.setTickPeriodMilliseconds(<u32>tickMilliseconds);
    return true;
  }

  onQueueReady(queueId: u32): void {
    this.drain();
  }

  onTick(): void {
    if (!this.shuttingDown) {
      this.publish(false);
      return;
    }
    this.drain();
    this.publish(true);
    this.setTickPeriodMilliseconds(0);
    this.done();
  }

  /** Keeps going until the next tick, so the last items and the final summary are not lost. */
  onDone(): bool {
    this.shuttingDown = true;
    return false;
  }

  createHttpContext(contextId: u32): HttpContext {
    return new Enqueue(contextId, this);
  }

  private drain(): void {
    const queue = this.queue;
    if (queue === null) return;
    let item = queue.dequeueString();
    while (item !== null) {
      this.processed++;
      this.bytes += <u64>String.UTF8.byteLength(item);
      this.processedItems.increment();
      if (isLogEnabled(LogLevel.Debug)) logDebug("queue_worker: processed " + item);
      item = queue.dequeueString();
    }
  }

  private publish(final: bool): void {
    const summary = "{\"processed\":" + this.processed.toString() + ",\"bytes\":" + this.bytes.toString();
    setSharedDataString(SUMMARY_KEY, final ? summary + ",\"final\":true}" : summary + "}");
  }
}

export class Enqueue extends HttpContext {
  constructor(id: u32, readonly worker: QueueWorkerRoot) {
    super(id, worker);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): Action {
    const queue = this.worker.queue;
    const method = this.requestHeaders.get(":method");
    const path = this.requestHeaders.get(":path");
    if (queue !== null) queue.enqueueString((method !== null ? method : "-") + " " + (path !== null ? path : "-"));
    return Action.Continue;
  }
}
