/**
 * Retrying an operation that failed for a reason that may pass: a network error, a 5xx, a 429.
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
