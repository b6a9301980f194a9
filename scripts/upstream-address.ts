/**
 * `--upstream` (and `--cluster name=…`) as users type them: `http://host:port`, `https://host:port/prefix` or
 * plain `host:port` (`[::1]:port`), which means http://. Shared by `run` and `manifests envoy`, so that both
 * accept the same forms. Userinfo (`http://user:pass@host`) is taken apart from the URL: the credentials are
 * returned separately and never appear in the URL or in a message.
 */
import { UsageError } from "./cli-errors.ts";

export interface UpstreamAddress {
  /** scheme://host:port/path, without userinfo, query or fragment. */
  url: URL;
  /** Host name or address (IPv6 without brackets). */
  host: string;
  port: number;
  /** From userinfo, percent-decoded; null when the URL had none. */
  credentials: { username: string; password: string } | null;
}

/** `scheme://user:pass@` or `user:pass@` at the start of a URL-like text, hidden: safe to print. */
export function redactUserinfo(text: string): string {
  return text.replace(/^((?:[A-Za-z][A-Za-z0-9+.-]*:\/\/)?)[^@/?#\s]*@/, "$1<redacted>@");
}

/**
 * Parses an upstream address. `schemes`: which URL schemes are accepted (default http and https);
 * `path`: whether a path prefix is allowed (default true).
 */
export function parseUpstreamAddress(
  flag: string,
  raw: string,
  options: { schemes?: readonly string[]; path?: boolean } = {},
): UpstreamAddress {
  const schemes = options.schemes ?? ["http:", "https:"];
  const shown = JSON.stringify(redactUserinfo(raw));
  const expected = `expected http://host:port or host:port`;
  const hasScheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(raw);
  if (!hasScheme && !/^(?:[^@/?#\s]*@)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d+$/.test(raw)) {
    throw new UsageError(`${flag}: ${shown} is not an address (${expected})`);
  }
  let url: URL;
  try {
    url = new URL(hasScheme ? raw : `http://${raw}`);
  } catch {
    throw new UsageError(`${flag}: ${shown} is not a URL (${expected})`);
  }
  if (!schemes.includes(url.protocol)) {
    throw new UsageError(`${flag}: ${shown} must be an ${schemes.map((s) => `${s}//`).join(" or ")} URL`);
  }
  if (url.search || url.hash) throw new UsageError(`${flag}: ${shown} must not have a query or fragment`);
  if (options.path === false && url.pathname !== "/") throw new UsageError(`${flag}: ${shown} must not have a path`);
  if (url.hostname === "") throw new UsageError(`${flag}: ${shown} has no host`);
  const credentials =
    url.username !== "" || url.password !== ""
      ? { username: safeDecode(url.username), password: safeDecode(url.password) }
      : null;
  url.username = "";
  url.password = "";
  const port = url.port !== "" ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  return { url, host: url.hostname.replace(/^\[|\]$/g, ""), port, credentials };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
