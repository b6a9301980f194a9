/**
 * Retry layer: repeats an exchange on connection errors and stalls, 429 and 5xx (not 501/505), with
 * exponential backoff and jitter, honouring `Retry-After`, bounded by attempts and by elapsed time.
 * Request bodies are byte arrays or re-openable streams, so repeating an exchange re-sends them whole;
 * the error body of a response that is retried was already read (capped) by the transport.
 */
import { NetworkError } from "../errors.ts";
import { printable, type SecretSet } from "../secrets.ts";
import { describeUrl, type HttpResponse, type Transport } from "./http.ts";

export interface RetryPolicy {
  /** Attempts per exchange, the first included (default 5). */
  maxAttempts: number;
  /** First backoff delay (default 250 ms); doubles per attempt. */
  baseDelayMs: number;
  /** Cap of one backoff delay, also of an honoured Retry-After (default 10 s). */
  maxDelayMs: number;
  /** No retry starts after this much time since the first attempt (default 60 s). */
  maxElapsedMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  maxElapsedMs: 60_000,
};

export interface RetryHooks {
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
  /** One line per retry (what failed, how long we wait). */
  onRetry?: (line: string) => void;
  /** Scrubbed from retry lines (paths and status texts come from the registry). */
  secrets?: SecretSet;
}

export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599 && status !== 501 && status !== 505);
}

/** Seconds or an HTTP date → milliseconds from now; undefined if absent or unparsable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^[0-9]+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const attemptsByResponse = new WeakMap<HttpResponse, number>();

/** How many attempts produced this response (1 if it did not pass through a retry layer). */
export function attemptsOf(response: HttpResponse): number {
  return attemptsByResponse.get(response) ?? 1;
}

/** Exponential backoff with "equal jitter" (half fixed, half random) for retry number `attempt` (1-based). */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return exponential / 2 + random() * (exponential / 2);
}

export function withRetry(next: Transport, policy: Partial<RetryPolicy> = {}, hooks: RetryHooks = {}): Transport {
  const p: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...policy };
  const sleep = hooks.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = hooks.random ?? Math.random;
  const now = hooks.now ?? Date.now;
  return async (request) => {
    const started = now();
    for (let attempt = 1; ; attempt++) {
      let response: HttpResponse | undefined;
      let failure: NetworkError | undefined;
      try {
        response = await next(request);
      } catch (error) {
        if (!(error instanceof NetworkError)) throw error;
        if (request.retryOnNetworkError === false || !error.transient) throw error;
        failure = error;
      }
      if (response) attemptsByResponse.set(response, attempt);
      if (response && !isRetryableStatus(response.status)) return response;
      let delay = backoffDelay(p, attempt, random);
      const retryAfter = response ? parseRetryAfter(response.headers.get("retry-after"), now()) : undefined;
      if (retryAfter !== undefined) delay = Math.max(retryAfter, 0) + random() * 50;
      const elapsed = now() - started;
      const outOfTime = elapsed + delay > p.maxElapsedMs || (retryAfter !== undefined && retryAfter > p.maxDelayMs);
      if (attempt >= p.maxAttempts || outOfTime) {
        if (failure) throw new NetworkError(`${failure.message} (after ${attempt} attempts)`);
        return response!;
      }
      const what = failure ? failure.message : `${response!.status} ${printable(response!.statusText, hooks.secrets, 80)}`.trim();
      hooks.onRetry?.(
        `retrying ${request.method} ${printable(describeUrl(request.url), hooks.secrets, 500)} in ${Math.round(delay)} ms (attempt ${attempt + 1}/${p.maxAttempts}): ${what}`,
      );
      await sleep(delay);
    }
  };
}
