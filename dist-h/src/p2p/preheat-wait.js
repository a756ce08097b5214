/**
 * `darner preheat --wait`: polls the scheduler for the outcome its seed reports, until the task
 * succeeds, fails, or the wait times out. The clock and the pause are injected so that the rule
 * (how many polls, what each answer means) is tested without waiting.
 */
import { PreheatFailedError, SchedulerError, TimeoutError } from '../errors.js';
/**
 * Resolves when the seed reports success. Rejects with PreheatFailedError (the seed's reason), or
 * TimeoutError when no outcome arrived in time (the task may still be running; the scheduler
 * forgot it; or the scheduler was unreachable, whose last error is named).
 */
export async function waitForPreheat(o) {
    const deadline = o.now() + o.timeoutMs;
    const what = `preheat of ${o.imageRef} (task ${o.taskId} on seed ${o.seedHostId})`;
    let lastProblem = 'no outcome reported yet';
    for (;;) {
        try {
            const t = await o.poll(o.taskId);
            if (t.state === 'TASK_SUCCEEDED')
                return;
            if (t.state === 'TASK_FAILED')
                throw new PreheatFailedError(`${what} failed on the seed: ${t.reason || 'no reason given'}`);
            lastProblem = t.state === 'TASK_UNKNOWN'
                ? 'the scheduler does not know the task (expired, or the scheduler restarted without shared state)'
                : 'no outcome reported yet';
        }
        catch (err) {
            // An unreachable scheduler may come back within the wait; anything else is final.
            if (!(err instanceof SchedulerError) || err.code !== 'SCHEDULER_UNAVAILABLE')
                throw err;
            lastProblem = err.message;
        }
        const left = deadline - o.now();
        if (left <= 0)
            throw new TimeoutError(`${what}: no result within ${o.timeoutMs} ms (${lastProblem})`);
        await o.sleep(Math.min(o.intervalMs, left));
    }
}
//# sourceMappingURL=preheat-wait.js.map