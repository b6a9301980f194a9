// Bench filter (bench/floors.ts): reads the whole response body in place and writes it back, the SDK's
// way, against the floor that does the same (testkit/floors.ts FLOOR_BODY_COPY_WAT).
export * from "../../../assembly/abi/http-filter-exports";
import { Action, HttpContext, registerRootContext, RootContext } from "../../../assembly";

class BodyCopy extends HttpContext {
  onResponseBody(bodySize: u32, endOfStream: bool): Action {
    if (!endOfStream) return Action.Pause;
    const body = this.responseBody.view(0, bodySize);
    if (body !== null) {
      this.responseBody.replaceFrom(body.pointer, body.length);
      body.release();
    }
    return Action.Continue;
  }
}

class BodyCopyRoot extends RootContext {
  createHttpContext(contextId: u32): HttpContext {
    return new BodyCopy(contextId, this);
  }
}

registerRootContext((contextId: u32): RootContext => new BodyCopyRoot(contextId), "body_copy");
