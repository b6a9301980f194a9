// How proxy-runtime contexts meet our dispatcher: registerRootContext registers a factory of
// RootBridge, one of our RootContexts that creates the user's proxy-runtime RootContext and forwards
// callbacks to it; its createHttpContext wraps the user's Context in an HttpBridge. Wrapping (rather
// than inheriting) keeps proxy-runtime's signatures (usize sizes, onDone(): bool) intact.
import { registerRootContext as registerSdkRootContext } from "../../dispatcher";
import { HttpContext } from "../../http-context";
import { RootContext as SdkRootContext } from "../../root-context";
import { Action } from "../../types";
import { Context, RootContext } from "./contexts";

class Registration {
  constructor(
    readonly name: string,
    readonly factory: (context_id: u32) => RootContext,
    readonly next: Registration | null,
  ) {}
}

// @ts-ignore: decorator
@lazy let registrations: Registration | null = null;

/** Makes `root_context_factory` create the root context of plugins whose root_id is `name`. */
export function registerRootContext(root_context_factory: (context_id: u32) => RootContext, name: string): void {
  registrations = new Registration(name, root_context_factory, registrations);
  registerSdkRootContext(createRootBridge, name);
}

function createRootBridge(contextId: u32): SdkRootContext {
  return new RootBridge(contextId);
}

class RootBridge extends SdkRootContext {
  private user: RootContext | null = null;

  /**
   * The user's root context. Created on first use because the factory to call depends on `rootId`,
   * which the dispatcher sets right after createRootBridge returns.
   */
  get inner(): RootContext {
    let user = this.user;
    if (user === null) {
      let registration = registrations;
      while (registration !== null && registration.name != this.rootId && registration.next !== null) {
        registration = registration.next;
      }
      user = registration!.factory(this.id);
      user.context_id = this.id;
      this.user = user;
    }
    return user;
  }

  onVmStart(vmConfigurationSize: u32): bool {
    return this.inner.onStart(vmConfigurationSize);
  }

  onConfigure(pluginConfigurationSize: u32): bool {
    return this.inner.onConfigure(pluginConfigurationSize);
  }

  onTick(): void {
    this.inner.onTick();
  }

  onQueueReady(queueId: u32): void {
    this.inner.onQueueReady(queueId);
  }

  onDone(): bool {
    return this.inner.onDone();
  }

  onDelete(): void {
    this.inner.onDelete();
  }

  createHttpContext(contextId: u32): HttpContext {
    const root = this.inner;
    return new HttpBridge(contextId, this, root.createContext(contextId));
  }
}

class HttpBridge extends HttpContext {
  constructor(id: u32, root: SdkRootContext, readonly user: Context) {
    super(id, root);
  }

  onRequestHeaders(headerCount: u32, endOfStream: bool): Action {
    return <Action><i32>this.user.onRequestHeaders(headerCount, endOfStream);
  }

  onRequestBody(bodySize: u32, endOfStream: bool): Action {
    return <Action><i32>this.user.onRequestBody(bodySize, endOfStream);
  }

  onRequestTrailers(trailerCount: u32): Action {
    return <Action><i32>this.user.onRequestTrailers(trailerCount);
  }

  onResponseHeaders(headerCount: u32, endOfStream: bool): Action {
    return <Action><i32>this.user.onResponseHeaders(headerCount, endOfStream);
  }

  onResponseBody(bodySize: u32, endOfStream: bool): Action {
    return <Action><i32>this.user.onResponseBody(bodySize, endOfStream);
  }

  onResponseTrailers(trailerCount: u32): Action {
    return <Action><i32>this.user.onResponseTrailers(trailerCount);
  }

  onLog(): void {
    this.user.onLog();
  }

  onDone(): void {
    this.user.onDone();
  }

  onDelete(): void {
    this.user.onDelete();
  }
}
