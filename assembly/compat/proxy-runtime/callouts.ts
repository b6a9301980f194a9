// proxy-runtime's RootContext.httpCall over our dispatchHttpCallBytes: the callback function gets the
// context that made the call, with that context effective (so stream_context, continue_request and
// send_local_response act on its stream). A call whose stream is gone by the reply is dropped.
import { BaseContext as SdkBaseContext } from "../../base-context";
import { dispatchHttpCallBytes, HttpCallHandler, HttpCallResponse } from "../../callouts";
import { findContext } from "../../context-table";
import { record, Status } from "../../status";
import { BaseContext, Context } from "./contexts";
import { WasmResultValues } from "./enums";
import { Headers, headersToPairs } from "./headers";

/** What proxy-runtime kept per call (exported for source compatibility; httpCall does not use it). */
export class HttpCallback {
  constructor(
    public origin_context: BaseContext,
    public cb: (origin_context: Context, headers: u32, body_size: usize, trailers: u32) => void,
  ) {}
}

/** `Callback` is the callback's function type: its first parameter may be Context or BaseContext. */
class CompatHttpCall<Callback> extends HttpCallHandler {
  constructor(context: SdkBaseContext, readonly origin: BaseContext, readonly callback: Callback) {
    super(context);
  }

  /** On failure the counts are 0, as proxy-runtime passed them. */
  onResponse(response: HttpCallResponse): void {
    const callback = this.callback;
    // @ts-ignore: Callback is a function type (httpCall checks isFunction<Callback>()), which tsc cannot see
    callback(changetype<Context>(this.origin), response.headerCount, <usize>response.bodySize, response.trailerCount);
  }
}

export function httpCall<Callback>(
  cluster: string,
  headers: Headers,
  body: ArrayBuffer,
  trailers: Headers,
  timeout_milliseconds: u32,
  origin_context: BaseContext,
  cb: Callback,
): WasmResultValues {
  if (!isFunction<Callback>()) ERROR("httpCall: cb must be a function (origin_context, headers, body_size, trailers) => void");
  const context = findContext(origin_context.context_id);
  if (context === null) return <WasmResultValues><i32>record(Status.NotFound);
  const handler = new CompatHttpCall<Callback>(context, origin_context, cb);
  return <WasmResultValues><i32>dispatchHttpCallBytes(
    cluster,
    headersToPairs(headers),
    body.byteLength != 0 ? body : null,
    trailers.length != 0 ? headersToPairs(trailers) : null,
    timeout_milliseconds,
    handler,
  );
}
