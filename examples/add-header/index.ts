// add-header: adds one header to every response.
//   empty configuration                  -> hello: world
//   {"name": "x-demo", "value": "yes"}   -> x-demo: yes
//   any other text, e.g. tomorrow        -> hello: tomorrow
//   malformed JSON, or no name/value     -> configuration rejected (onConfigure false, CRITICAL log)
// Importing this file registers nothing; main.ts is the build entry.
import { Action, HttpContext, lastJsonError, logCritical, looksLikeJson, parseJsonObject, RootContext } from "../../assembly";

export const ADD_HEADER_ROOT_ID = "add_header";

export class AddHeaderRoot extends RootContext {
  headerName: string = "hello";
  headerValue: string = "world";

  onConfigure(pluginConfigurationSize: u32): bool {
    const configuration = this.getPluginConfiguration();
    const text = configuration !== null ? configuration : "";
    if (text.length == 0) return this.use("hello", "world");
    if (!looksLikeJson(text)) return this.use("hello", text); // the `wasme deploy --config tomorrow` style

    const json = parseJsonObject(text);
    if (json === null) return this.reject("is not valid JSON: " + lastJsonError());
    const name = json.getString("name");
    const value = json.getString("value");
    if (name === null || name.length == 0 || value === null) return this.reject("needs string members \"name\" (not empty) and \"value\"");
    return this.use(name, value);
  }

  createHttpContext(contextId: u32): HttpContext {
    return new AddHeader(contextId, this);
  }

  private reject(problem: string): bool {
    logCritical("add_header: configuration " + problem);
    return false;
  }

  private use(name: string, value: string): bool {
    this.headerName = name;
    this.headerValue = value;
    return true;
  }
}

export class AddHeader extends HttpContext {
  constructor(id: u32, readonly config: AddHeaderRoot) {
    super(id, config);
  }

  onResponseHeaders(headerCount: u32, endOfStream: bool): Action {
    this.responseHeaders.add(this.config.headerName, this.config.headerValue);
    return Action.Continue;
  }
}
