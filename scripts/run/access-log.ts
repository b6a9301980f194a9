/**
 * One access-log line per request, in the order of Istio's default Envoy format (a subset of it):
 *
 *   [2025-05-01T12:00:00.000Z] "GET /items?id=7 HTTP/1.1" 200 - via_upstream 0 23 4 "curl/8.5.0" "5f0c…" "127.0.0.1:8080"
 *
 * start time, request line, response code (0 if none was sent), response flags (UF upstream connection
 * failure, UC upstream connection termination, UT route timeout, DC downstream disconnect, - for none),
 * response code details (via_upstream, a local reply's details such as wasm_fail_stream,
 * request_payload_too_large, upstream_response_timeout …), bytes received and sent (bodies), duration in
 * ms, then user agent, request id and authority. Text from the client is escaped.
 */

export interface AccessLogEntry {
  start: Date;
  method: string;
  path: string;
  status: number;
  flags: string;
  details: string;
  bytesReceived: number;
  bytesSent: number;
  durationMs: number;
  userAgent: string | undefined;
  requestId: string | undefined;
  authority: string | undefined;
}

/** Control characters, quotes, backslashes and non-ASCII as escapes: a log line stays one line of plain text. */
export function escapeLogText(text: string): string {
  return text.replace(/[\u0000-\u001f"\\\u007f-\uffff]/g, (c) => {
    if (c === '"' || c === "\\") return `\\${c}`;
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}

const quoted = (value: string | undefined) => `"${value === undefined ? "-" : escapeLogText(value)}"`;

export function formatAccessLog(e: AccessLogEntry): string {
  return (
    `[${e.start.toISOString()}] "${escapeLogText(e.method)} ${escapeLogText(e.path)} HTTP/1.1" ${e.status} ${e.flags} ${escapeLogText(e.details)} ` +
    `${e.bytesReceived} ${e.bytesSent} ${e.durationMs} ${quoted(e.userAgent)} ${quoted(e.requestId)} ${quoted(e.authority)}`
  );
}
