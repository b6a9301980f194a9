// proxy-runtime's context classes with their names and signatures, so filters written for it compile
// unchanged. Our dispatcher does not call them directly: ./bridge.ts wraps each in one of our contexts.
import { proxy_done } from "../../abi/lifecycle";
import { pluginConfiguration } from "../../buffers";
import { record } from "../../status";
import { httpCall } from "./callouts";
import {
  FilterDataStatusValues,
  FilterHeadersStatusValues,
  FilterTrailersStatusValues,
  WasmResultValues,
} from "./enums";
import { continue_request, proxy_set_effective_context } from "./functions";
import { Headers } from "./headers";

/** What RootContext and Context share. */
export abstract class BaseContext {
  constructor(public context_id: u32) {}

  continueRequest(): WasmResultValues {
    return continue_request();
  }

  onDone(): bool {
    return true;
  }

  onDelete(): void {}
}

/** One per plugin: holds the configuration and creates a Context per HTTP stream. */
export class RootContext extends BaseContext {
  private configuration_: string = "";

  constructor(context_id: u32) {
    super(context_id);
  }

  /** The plugin configuration read by onConfigure ("" when empty). */
  getConfiguration(): string {
    return this.configuration_;
  }

  /** Override to return your Context. The default filters nothing. */
  createContext(context_id: u32): Context {
    return new Context(context_id, this);
  }

  /** Not called: Envoy's legacy proxy_validate_configuration is not exported. */
  validateConfiguration(configuration_size: usize): bool {
    return true;
  }

  /** Reads the configuration for getConfiguration(); call super.onConfigure(size) when overriding. */
  onConfigure(configuration_size: u32): bool {
    const text = pluginConfiguration.getString();
    this.configuration_ = text !== null ? text : "";
    return true;
  }

  /** proxy_on_vm_start. */
  onStart(vm_configuration_size: usize): bool {
    return true;
  }

  onTick(): void {}

  onQueueReady(token: u32): void {}

  /**
   * Sends a request to `cluster`; `cb`, a function (origin_context: Context or BaseContext, headers: u32,
   * body_size: usize, trailers: u32) => void, gets `origin_context` back when the reply (or a failure:
   * all counts 0) arrives. Returns the host's status: BadArgument for an unknown cluster or missing
   * :method/:path/:authority, and then `cb` is never called.
   */
  httpCall<Callback>(
    cluster: string,
    headers: Headers,
    body: ArrayBuffer,
    trailers: Headers,
    timeout_milliseconds: u32,
    origin_context: BaseContext,
    cb: Callback,
  ): WasmResultValues {
    return httpCall<Callback>(cluster, headers, body, trailers, timeout_milliseconds, origin_context, cb);
  }

  /** Finishes a shutdown postponed by onDone returning false (proxy-runtime's did nothing). */
  done(): WasmResultValues {
    return <WasmResultValues><i32>record(proxy_done());
  }
}

/** One HTTP stream. Override the callbacks you need; each defaults to Continue. */
export class Context extends BaseContext {
  constructor(context_id: u32, public root_context: RootContext) {
    super(context_id);
  }

  onRequestHeaders(a: u32, end_of_stream: bool): FilterHeadersStatusValues {
    return FilterHeadersStatusValues.Continue;
  }

  onRequestBody(body_buffer_length: usize, end_of_stream: bool): FilterDataStatusValues {
    return FilterDataStatusValues.Continue;
  }

  onRequestTrailers(a: u32): FilterTrailersStatusValues {
    return FilterTrailersStatusValues.Continue;
  }

  onResponseHeaders(a: u32, end_of_stream: bool): FilterHeadersStatusValues {
    return FilterHeadersStatusValues.Continue;
  }

  onResponseBody(body_buffer_length: usize, end_of_stream: bool): FilterDataStatusValues {
    return FilterDataStatusValues.Continue;
  }

  onResponseTrailers(s: u32): FilterTrailersStatusValues {
    return FilterTrailersStatusValues.Continue;
  }

  /** Access-log time (Envoy calls it before onDone). */
  onLog(): void {}

  setEffectiveContext(): WasmResultValues {
    return proxy_set_effective_context(this.context_id);
  }
}
