// user-agent-logger: logs `User-Agent: <value>` at INFO for every request (`User-Agent: -` when absent).
// Importing this file registers nothing; main.ts is the build entry.
import { Action, HttpContext, logLine, LogLevel, RootContext } from "../../assembly";

export const USER_AGENT_LOGGER_ROOT_ID = "user_agent_logger";

export class UserAgentLoggerRoot extends RootContext {
  createHttpContext(contextId: u32): HttpContext {
    return new UserAgentLogger(contextId, this);
  }
}

export class UserAgentLogger extends HttpContext {
  onRequestHeaders(headerCount: u32, endOfStream: bool): Action {
    // The byte-level way: the value is logged from where the host wrote it, no strings are made.
    // With strings: const userAgent = this.requestHeaders.get("user-agent");
    //               logInfo("User-Agent: " + (userAgent !== null ? userAgent : "-"));
    const userAgent = this.requestHeaders.getView("user-agent");
    const line = logLine(LogLevel.Info).add("User-Agent: ");
    if (userAgent !== null) line.addView(userAgent);
    else line.add("-");
    line.send();
    return Action.Continue;
  }
}
