/**
 * Secrets the client holds or derives (passwords, their Basic encoding, identity and refresh tokens,
 * access tokens a token server issued) and the one function that makes outside text printable:
 * control characters escaped, one line, bounded, every known secret replaced by `***`. Only text from
 * outside goes through it: our own words are never scrubbed, so a short password cannot turn
 * `127.0.0.1:18500` into a pattern that reveals it.
 */

export class SecretSet {
  private readonly values = new Set<string>();

  /** Remembers a secret and its base64 form. */
  add(secret: string | undefined): void {
    if (!secret) return;
    this.values.add(secret);
    this.values.add(Buffer.from(secret, "utf8").toString("base64"));
  }

  /** Remembers a password and the `Basic` credential derived from it. */
  addBasic(username: string, password: string): void {
    this.add(password);
    this.values.add(Buffer.from(`${username}:${password}`, "utf8").toString("base64"));
  }

  get size(): number {
    return this.values.size;
  }

  /** `text` with every known secret replaced by `***` (longest first). */
  scrub(text: string): string {
    let out = text;
    for (const secret of [...this.values].sort((a, b) => b.length - a.length)) out = out.split(secret).join("***");
    return out;
  }
}

// C0 and C1 controls, DEL, line/paragraph separators, bidi overrides and isolates.
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Control characters as visible escapes (`\n`, `\x1b`, `\u202e`), so text cannot move the cursor or forge lines. */
export function escapeControls(text: string): string {
  return text.replace(UNPRINTABLE, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\r") return "\\r";
    if (c === "\t") return "\\t";
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** Outside text for a message: secrets scrubbed, controls escaped, whitespace runs folded, cut at `max`. */
export function printable(text: string, secrets?: SecretSet, max = 200): string {
  const scrubbed = secrets ? secrets.scrub(text) : text;
  const line = escapeControls(scrubbed.replace(/[ \t\r\n]+/g, " ").trim());
  return line.length > max ? `${line.slice(0, max - 3)}...` : line;
}

/** A deep copy of JSON-like data with every string scrubbed (for `--json` output of outside data). */
export function scrubJson<T>(value: T, secrets: SecretSet): T {
  if (typeof value === "string") return secrets.scrub(value) as T;
  if (Array.isArray(value)) return value.map((v) => scrubJson(v, secrets)) as T;
  if (value && typeof value === "object" && !(value instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [secrets.scrub(k), scrubJson(v, secrets)])) as T;
  }
  return value;
}
