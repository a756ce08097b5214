// The --wait rule of `darner preheat` over scripted GetTask answers and a fake clock: no I/O.
import test from 'ava';
import * as grpc from '@grpc/grpc-js';
import { PreheatFailedError, SchedulerError, TimeoutError } from '../../src/errors.js';
import { waitForPreheat } from '../../src/p2p/preheat-wait.js';
function scripted(answers, timeoutMs = 10_000, intervalMs = 1000) {
    let now = 0;
    let polls = 0;
    const options = {
        taskId: 'task-1',
        seedHostId: 'seed-a',
        imageRef: 'registry.test/app:1',
        timeoutMs,
        intervalMs,
        poll: async (taskId) => {
            const answer = answers[Math.min(polls++, answers.length - 1)];
            if (answer instanceof Error)
                throw answer;
            return { taskId, state: answer, hostId: 'seed-a', imageRef: 'registry.test/app:1', reason: answer === 'TASK_FAILED' ? 'manifest unknown' : '', updatedUnixMs: 0 };
        },
        now: () => now,
        sleep: async (ms) => {
            now += ms;
        },
    };
    return { options, polls: () => polls };
}
const unavailable = () => new SchedulerError('SCHEDULER_UNAVAILABLE', grpc.status.UNAVAILABLE, 'scheduler 127.0.0.1:1 GetTask: connection refused');
test('waits while the task is queued and returns once the seed reports success', async (t) => {
    const s = scripted(['TASK_QUEUED', 'TASK_QUEUED', 'TASK_SUCCEEDED']);
    await waitForPreheat(s.options);
    t.is(s.polls(), 3);
});
test('a failure reported by the seed ends the wait with its reason', async (t) => {
    const s = scripted(['TASK_QUEUED', 'TASK_FAILED']);
    const err = await t.throwsAsync(waitForPreheat(s.options), { instanceOf: PreheatFailedError });
    t.is(err?.message, 'preheat of registry.test/app:1 (task task-1 on seed seed-a) failed on the seed: manifest unknown');
    t.is(s.polls(), 2);
});
test('no outcome within the wait timeout: a timeout after the configured number of polls', async (t) => {
    const s = scripted(['TASK_QUEUED'], 10_000, 1000);
    const err = await t.throwsAsync(waitForPreheat(s.options), { instanceOf: TimeoutError });
    t.regex(err?.message ?? '', /no result within 10000 ms \(no outcome reported yet\)$/);
    t.is(s.polls(), 11, 'one poll at the start and one after each of the 10 pauses');
});
test('an unreachable scheduler is polled again; a forgotten task times out saying so', async (t) => {
    const s = scripted([unavailable(), 'TASK_SUCCEEDED']);
    await waitForPreheat(s.options);
    t.is(s.polls(), 2);
    const gone = scripted([unavailable(), 'TASK_UNKNOWN'], 3000);
    const err = await t.throwsAsync(waitForPreheat(gone.options), { instanceOf: TimeoutError });
    t.regex(err?.message ?? '', /does not know the task/);
    const down = scripted([unavailable()], 3000);
    t.regex((await t.throwsAsync(waitForPreheat(down.options), { instanceOf: TimeoutError }))?.message ?? '', /connection refused\)$/);
});
test('any other scheduler error ends the wait at once', async (t) => {
    const s = scripted([new SchedulerError('SCHEDULER_UNAUTHENTICATED', grpc.status.UNAUTHENTICATED, 'token refused')]);
    await t.throwsAsync(waitForPreheat(s.options), { instanceOf: SchedulerError, message: 'token refused' });
    t.is(s.polls(), 1);
});
//# sourceMappingURL=preheat-wait.test.js.map