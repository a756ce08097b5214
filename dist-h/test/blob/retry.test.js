import test from 'ava';
import { backoffDelay, sleep, withRetry } from '../../src/blob/retry.js';
const policy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 350, maxTotalMs: 10_000 };
test('backoff doubles with jitter and is capped; Retry-After wins within the cap', (t) => {
    t.is(backoffDelay(1, policy, () => 0.5), 100);
    t.is(backoffDelay(2, policy, () => 0.5), 200);
    t.is(backoffDelay(3, policy, () => 0.5), 350);
    t.is(backoffDelay(1, policy, () => 0), 75);
    t.is(backoffDelay(1, policy, () => 1), 125);
    t.is(backoffDelay(1, policy, () => 0.5, 200), 200);
    t.is(backoffDelay(1, policy, () => 0.5, 60_000), 350);
});
const fast = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2, maxTotalMs: 10_000 };
test('retries a retryable failure until it succeeds', async (t) => {
    let calls = 0;
    const result = await withRetry(async () => {
        calls++;
        if (calls < 3)
            throw new Error('transient');
        return 'ok';
    }, { policy: fast, retryable: () => ({ retry: true }) });
    t.is(result, 'ok');
    t.is(calls, 3);
});
test('stops after the attempt budget and rethrows the last error', async (t) => {
    let calls = 0;
    await t.throwsAsync(withRetry(async () => {
        calls++;
        throw new Error(`fail ${calls}`);
    }, { policy: fast, retryable: () => ({ retry: true }) }), { message: 'fail 3' });
    t.is(calls, 3);
});
test('does not retry what is not retryable, nor beyond the total time budget', async (t) => {
    let calls = 0;
    await t.throwsAsync(withRetry(async () => { calls++; throw new Error('permanent'); }, { policy: fast, retryable: () => ({ retry: false }) }));
    t.is(calls, 1);
    calls = 0;
    await t.throwsAsync(withRetry(async () => { calls++; throw new Error('slow'); }, { policy: { ...fast, maxTotalMs: 0 }, retryable: () => ({ retry: true, afterMs: 1 }) }));
    t.is(calls, 1);
});
test('an abort during the wait ends it with the abort reason', async (t) => {
    const controller = new AbortController();
    const reason = new Error('stop');
    const p = withRetry(async () => {
        setImmediate(() => controller.abort(reason));
        throw new Error('transient');
    }, { policy: { ...fast, baseDelayMs: 60_000, maxDelayMs: 60_000, maxTotalMs: 600_000 }, retryable: () => ({ retry: true }), signal: controller.signal });
    t.is(await t.throwsAsync(p), reason);
});
test('sleep ends with the signal\'s reason when it aborts, and at once when it already has', async (t) => {
    const reason = new Error('closing');
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort(reason);
    t.is(await t.throwsAsync(waiting), reason);
    t.is(await t.throwsAsync(sleep(60_000, controller.signal)), reason);
    await t.notThrowsAsync(sleep(1, new AbortController().signal));
});
//# sourceMappingURL=retry.test.js.map