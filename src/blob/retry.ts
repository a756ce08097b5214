/**
 * Retrying an operation that failed for a reason that may pass. The retry policy of the whole
 * code base is here; one layer owns the retries of each call, never two over each other.
 *
 * Who retries:
 * - Registry calls (registry-exchange.ts): pings, manifests, blob GETs until their headers
 *   arrive, uploads (restarted from a new session) — by the registry client, DEFAULT_RETRY_POLICY
 *   unless configured.
 * - Range reads (BlobReader.readRange, RegistryClient.readRange): one request, never retried by
 *   the source. Their caller owns the retries: the fetch engine (src/fetch/fetch-engine.ts) with
 *   originAttempts tries within the fetch deadline (fetchTimeoutMs bounds the tries, their
 *   backoff and the wait of every read on them), or readRangeRetrying for tools that read a blob
 *   whole with the client's policy.
 *
 * What may pass: no HTTP answer (refused, reset, timed out, a body cut short), a 5xx but 501 and
 * 505, 408 and 429 (http.ts retryableRegistryError). Never another 4xx (a 416, a 404 stay what
 * they are), never a 200 to a Range request or a Content-Range that does not match.
 *
 * Bytes that fail verification (the fetch engine): the failing chunks of a range are fetched once
 * more, then their reads fail (DigestMismatchError / CorruptChunkError). A chunk whose fetch
 * failed fails further reads at once for FAILED_CHUNK_MEMORY_MS (fetch-engine.ts), so that the
 * reads the kernel sends after a failed one neither wait for a deadline of their own nor fetch
 * the same bytes again.
 *
 * Policy: at most `attempts` tries in all; before try n+1 wait baseDelayMs·2^(n-1), ±25 % jitter,
 * capped at maxDelayMs (a Retry-After the server sent wins, within the cap); stop early when the
 * next try would start after maxTotalMs from the first. An AbortSignal ends the waiting at once.
 * What is worth retrying is the caller's decision (`retryable`).
 */
export interface RetryPolicy {
  /** Tries in all, including the first (>= 1). */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** No retry starts later than this after the first try began. */
  maxTotalMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 4, baseDelayMs: 200, maxDelayMs: 5000, maxTotalMs: 60_000 };

/** The wait before try `attempt + 1` (attempt counts from 1). Pure given `random`. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0) return Math.min(retryAfterMs, policy.maxDelayMs);
  const base = policy.baseDelayMs * 2 ** (attempt - 1);
  const jittered = base * (0.75 + 0.5 * random());
  return Math.min(Math.round(jittered), policy.maxDelayMs);
}

export interface RetryDecision {
  retry: boolean;
  /** The server's Retry-After, in ms. */
  afterMs?: number;
}

/** Waits `ms`; rejects with the signal's reason as soon as it aborts (at once when it already has). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  options: {
    policy: RetryPolicy;
    retryable: (err: unknown) => RetryDecision;
    signal?: AbortSignal | undefined;
    onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  },
): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (err) {
      if (options.signal?.aborted) throw err;
      const decision = options.retryable(err);
      if (!decision.retry || attempt >= options.policy.attempts) throw err;
      const delay = backoffDelay(attempt, options.policy, Math.random, decision.afterMs);
      if (Date.now() + delay - started > options.policy.maxTotalMs) throw err;
      options.onRetry?.(err, attempt, delay);
      await sleep(delay, options.signal);
    }
  }
}
