// The shared --upstream parser (run and manifests envoy) and the access-log line's escaping.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { escapeLogText, formatAccessLog } from "../../scripts/run/access-log.ts";
import { parseUpstreamAddress, redactUserinfo } from "../../scripts/upstream-address.ts";

describe("--upstream addresses", () => {
  test("http://host:port, host:port, [::1]:port and https with a path prefix", () => {
    const forms: Array<[string, string, string, number]> = [
      ["http://127.0.0.1:3000", "http://127.0.0.1:3000/", "127.0.0.1", 3000],
      ["127.0.0.1:3000", "http://127.0.0.1:3000/", "127.0.0.1", 3000],
      ["localhost:8080", "http://localhost:8080/", "localhost", 8080],
      ["[::1]:9000", "http://[::1]:9000/", "::1", 9000],
      ["https://api.example.com/v1", "https://api.example.com/v1", "api.example.com", 443],
      ["http://backend", "http://backend/", "backend", 80],
    ];
    for (const [raw, href, host, port] of forms) {
      const address = parseUpstreamAddress("--upstream", raw);
      assert.deepEqual([address.url.href, address.host, address.port, address.credentials], [href, host, port, null], raw);
    }
  });

  test("userinfo becomes credentials (percent-decoded) and leaves the URL", () => {
    const address = parseUpstreamAddress("--upstream", "http://al%40ice:p%3Ass@127.0.0.1:3000");
    assert.deepEqual(address.credentials, { username: "al@ice", password: "p:ss" });
    assert.equal(address.url.href, "http://127.0.0.1:3000/");
    assert.equal(parseUpstreamAddress("--upstream", "bob:pw@127.0.0.1:1").credentials?.password, "pw");
  });

  test("refusals name the flag and never echo credentials", () => {
    const cases: Array<[string, RegExp]> = [
      ["ftp://u:secret@host:21", /^--upstream: "ftp:\/\/<redacted>@host:21" must be an http:\/\/ or https:\/\/ URL$/],
      ["http://u:secret@host:1/?q=1", /^--upstream: "http:\/\/<redacted>@host:1\/\?q=1" must not have a query or fragment$/],
      ["u:secret@host", /^--upstream: "<redacted>@host" is not an address/],
      ["", /is not an address/],
    ];
    for (const [raw, pattern] of cases) {
      assert.throws(() => parseUpstreamAddress("--upstream", raw), (error: Error) => pattern.test(error.message) && !error.message.includes("secret"));
    }
    assert.throws(() => parseUpstreamAddress("--upstream", "http://h:1/x", { path: false }), /must not have a path/);
    assert.throws(() => parseUpstreamAddress("--upstream", "https://h:1", { schemes: ["http:"] }), /must be an http:\/\/ URL/);
    assert.equal(redactUserinfo("https://user:pw@h/x@y"), "https://<redacted>@h/x@y");
  });
});

describe("access log", () => {
  test("Istio's field order; text from outside escaped", () => {
    const line = formatAccessLog({
      start: new Date("2025-05-01T12:00:00.000Z"),
      method: "GET",
      path: '/a"b\\c',
      status: 504,
      flags: "UT",
      details: "upstream_response_timeout",
      bytesReceived: 0,
      bytesSent: 24,
      durationMs: 15003,
      userAgent: "curl\n/8",
      requestId: undefined,
      authority: "h:1",
    });
    assert.equal(line, '[2025-05-01T12:00:00.000Z] "GET /a\\"b\\\\c HTTP/1.1" 504 UT upstream_response_timeout 0 24 15003 "curl\\u000a/8" "-" "h:1"');
    assert.equal(escapeLogText("é\u007f"), "\\u00e9\\u007f");
  });
});
