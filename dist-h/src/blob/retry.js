export const DEFAULT_RETRY_POLICY = { attempts: 4, baseDelayMs: 200, maxDelayMs: 5000, maxTotalMs: 60_000 };
/** The wait before try `attempt + 1` (attempt counts from 1). Pure given `random`. */
export function backoffDelay(attempt, policy, random = Math.random, retryAfterMs) {
    if (retryAfterMs !== undefined && retryAfterMs >= 0)
        return Math.min(retryAfterMs, policy.maxDelayMs);
    const base = policy.baseDelayMs * 2 ** (attempt - 1);
    const jittered = base * (0.75 + 0.5 * random());
    return Math.min(Math.round(jittered), policy.maxDelayMs);
}
/** Waits `ms`; rejects with the signal's reason as soon as it aborts (at once when it already has). */
export function sleep(ms, signal) {
    return new Promise((resolve, reject) => {
        if (signal?.aborted) {
            reject(signal.reason);
            return;
        }
        const onAbort = () => {
            clearTimeout(timer);
            reject(signal.reason);
        };
        const timer = setTimeout(() => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
        }, ms);
        signal?.addEventListener('abort', onAbort, { once: true });
    });
}
export async function withRetry(operation, options) {
    const started = Date.now();
    for (let attempt = 1;; attempt++) {
        try {
            return await operation(attempt);
        }
        catch (err) {
            if (options.signal?.aborted)
                throw err;
            const decision = options.retryable(err);
            if (!decision.retry || attempt >= options.policy.attempts)
                throw err;
            const delay = backoffDelay(attempt, options.policy, Math.random, decision.afterMs);
            if (Date.now() + delay - started > options.policy.maxTotalMs)
                throw err;
            options.onRetry?.(err, attempt, delay);
            await sleep(delay, options.signal);
        }
    }
}
//# sourceMappingURL=retry.js.map