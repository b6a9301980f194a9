// What HTTP and TCP stream contexts share.
import { BaseContext, ContextKind } from "./base-context";
import { RootContext } from "./root-context";

/** A per-stream context (one HTTP request/response, or one TCP connection), created by its root. */
export class StreamContext extends BaseContext {
  // `parentRoot`, not `root`: a filter's own stream class usually keeps its typed root as `readonly root: MyRoot`.
  constructor(id: u32, kind: ContextKind, readonly parentRoot: RootContext) {
    super(id, kind);
  }

  /** Access-log time: the stream is finished; headers and properties are still readable. */
  onLog(): void {}

  /** The host is done with the stream. */
  onDone(): void {}

  /** The last callback; the SDK forgets the context afterwards. */
  onDelete(): void {}
}
