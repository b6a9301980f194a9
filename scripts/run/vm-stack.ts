/**
 * The in-VM stack of a worker that is stuck in a wasm call, read through the inspector: the main thread
 * attaches to its workers (NodeWorker domain) and, when one does not return, enables the debugger in it,
 * pauses it (V8 interrupts running wasm), reads the paused call frames and lets it go. Best effort: when
 * the inspector is unavailable or does not answer in time there is simply no stack.
 */
import type { Session } from "node:inspector";

/** One wasm frame: the function's name (from the name section) and its byte offset in the module. */
export interface WasmFrame {
  functionName: string;
  offset: number;
}

interface CallFrame {
  functionName: string;
  location: { scriptId: string; columnNumber?: number };
}

export class WorkerStacks {
  private readonly sessionIds = new Map<number, string>();
  private nextId = 0;
  private readonly replies = new Map<number, (message: { result?: unknown; error?: unknown }) => void>();
  private readonly listeners = new Map<string, Array<(params: never) => void>>();

  private constructor(private readonly session: Session) {
    session.on("NodeWorker.attachedToWorker", (m: { params: { sessionId: string; workerInfo: { title: string } } }) => {
      // The workerId is the session's own count (a second session, or workers announced out of order, give
      // other numbers); the title, "[worker <threadId>] <name>", names the thread.
      const threadId = /^\[worker (\d+)\]/.exec(m.params.workerInfo.title)?.[1];
      if (threadId !== undefined) this.sessionIds.set(Number(threadId), m.params.sessionId);
    });
    session.on("NodeWorker.detachedFromWorker", (m: { params: { sessionId: string } }) => {
      for (const [thread, id] of this.sessionIds) if (id === m.params.sessionId) this.sessionIds.delete(thread);
    });
    session.on("NodeWorker.receivedMessageFromWorker", (m: { params: { message: string } }) => {
      const message = JSON.parse(m.params.message) as { id?: number; method?: string; params?: unknown; result?: unknown; error?: unknown };
      if (message.id !== undefined) {
        this.replies.get(message.id)?.(message);
        this.replies.delete(message.id);
      } else if (message.method) {
        for (const listener of this.listeners.get(message.method) ?? []) listener(message.params as never);
      }
    });
  }

  /** Attaches to this process's workers (those started from now on); null if there is no inspector. */
  static async attach(): Promise<WorkerStacks | null> {
    try {
      const inspector = await import("node:inspector");
      const session = new inspector.Session();
      session.connect();
      const stacks = new WorkerStacks(session);
      await new Promise<void>((resolve, reject) =>
        session.post("NodeWorker.enable", { waitForDebuggerOnStart: false }, (error) => (error ? reject(error) : resolve())),
      );
      return stacks;
    } catch {
      return null;
    }
  }

  /** The wasm frames the worker `threadId` is running now, innermost first; null if they cannot be had in time. */
  async capture(threadId: number, timeoutMs: number): Promise<WasmFrame[] | null> {
    const sessionId = this.sessionIds.get(threadId);
    if (sessionId === undefined) return null;
    const wasmScripts = new Set<string>();
    let paused: ((frames: CallFrame[]) => void) | null = null;
    const framesSeen = new Promise<CallFrame[]>((resolve) => (paused = resolve));
    const onScript = (params: { scriptId: string; scriptLanguage?: string }) => {
      if (params.scriptLanguage === "WebAssembly") wasmScripts.add(params.scriptId);
    };
    const onPaused = (params: { callFrames: CallFrame[] }) => paused?.(params.callFrames);
    this.on("Debugger.scriptParsed", onScript);
    this.on("Debugger.paused", onPaused);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
    try {
      const frames = await Promise.race([
        (async () => {
          await this.send(sessionId, "Debugger.enable");
          await this.send(sessionId, "Debugger.pause");
          return framesSeen;
        })(),
        timeout,
      ]);
      if (frames === null) return null;
      return frames
        .filter((f) => wasmScripts.has(f.location.scriptId))
        .map((f) => ({ functionName: f.functionName, offset: f.location.columnNumber ?? 0 }));
    } finally {
      clearTimeout(timer);
      this.off("Debugger.scriptParsed", onScript);
      this.off("Debugger.paused", onPaused);
      // Disabling the debugger resumes the worker, so that it can be terminated.
      void this.send(sessionId, "Debugger.disable").catch(() => undefined);
    }
  }

  close(): void {
    try {
      this.session.disconnect();
    } catch {
      // Already gone.
    }
  }

  private send(sessionId: string, method: string, params: object = {}): Promise<unknown> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.replies.set(id, (message) => (message.error ? reject(new Error(JSON.stringify(message.error))) : resolve(message.result)));
      this.session.post("NodeWorker.sendMessageToWorker", { sessionId, message: JSON.stringify({ id, method, params }) }, (error) => {
        if (error) {
          this.replies.delete(id);
          reject(error);
        }
      });
    });
  }

  private on(method: string, listener: (params: never) => void): void {
    const list = this.listeners.get(method) ?? [];
    list.push(listener);
    this.listeners.set(method, list);
  }

  private off(method: string, listener: (params: never) => void): void {
    const list = this.listeners.get(method);
    if (list) this.listeners.set(method, list.filter((l) => l !== listener));
  }
}
