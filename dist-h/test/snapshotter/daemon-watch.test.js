import test from 'ava';
import { DaemonWatch, observeDaemon, takeoverResult } from '../../snapshotter/daemon-watch.js';
const status = (pid, failover) => ({
    version: '0.1.0',
    pid,
    startedAt: new Date(0).toISOString(),
    cacheDir: '/c',
    mounts: 1,
    metrics: null,
    ...(failover ? { failover: { keeper: '/k', ...failover } } : {}),
});
/** The events of a sequence of polls (null: no daemon answered). */
function events(polls) {
    let state = { lastSeen: undefined, answering: false };
    const out = [];
    for (const now of polls) {
        const r = observeDaemon(state, now);
        state = r.state;
        if (r.event)
            out.push(r.event);
    }
    return out;
}
test('a crash and restart seen across polls without a daemon is a replacement with what the new one took over', (t) => {
    t.deepEqual(events([status(10), status(10), null, null, status(11, { taken: 3, lost: 0, failed: 0 })]), [
        { kind: 'up', pid: 10 },
        { kind: 'down', pid: 10 },
        { kind: 'replaced', fromPid: 10, toPid: 11, taken: 3, lost: 0, failed: 0 },
    ]);
});
test('a live upgrade between two polls is a replacement; the same daemon answering again is not', (t) => {
    t.deepEqual(events([status(10), status(12, { taken: 1, lost: 1, failed: 0 }), status(12)]), [
        { kind: 'up', pid: 10 },
        { kind: 'replaced', fromPid: 10, toPid: 12, taken: 1, lost: 1, failed: 0 },
    ]);
    t.deepEqual(events([null, null]), [], 'no daemon yet is not news');
    t.deepEqual(events([status(10), null, status(10)]), [{ kind: 'up', pid: 10 }, { kind: 'down', pid: 10 }, { kind: 'up', pid: 10 }]);
});
test('a replacement that lost or failed a mount is reported as lost', (t) => {
    const replaced = (lost, failed) => ({ kind: 'replaced', fromPid: 1, toPid: 2, taken: 1, lost, failed });
    t.is(takeoverResult(replaced(0, 0)), 'taken');
    t.is(takeoverResult(replaced(1, 0)), 'lost');
    t.is(takeoverResult(replaced(0, 1)), 'lost');
});
test('DaemonWatch polls the status and hands each event over once', async (t) => {
    const answers = [status(5), status(6, { taken: 2, lost: 0, failed: 0 })];
    const seen = [];
    const watch = new DaemonWatch({ status: async () => answers.shift() ?? null, onEvent: (e) => seen.push(e), intervalMs: 60_000 });
    await watch.poll();
    await watch.poll();
    await watch.close();
    t.deepEqual(seen.map((e) => e.kind), ['up', 'replaced']);
});
//# sourceMappingURL=daemon-watch.test.js.map