import test from 'ava';
import { SlotQueue } from '../../src/fetch/slot-queue.js';
import { TokenBucket } from '../../src/fetch/token-bucket.js';
function tasks(started) {
    return (name, priority) => ({ priority, start: () => started.push(name) });
}
test('demand fetches start before queued prefetches, and prefetch never takes the last slot', (t) => {
    const started = [];
    const make = tasks(started);
    const q = new SlotQueue(3);
    t.is(q.prefetchCapacity, 2);
    const p = [1, 2, 3, 4].map((i) => make(`p${i}`, 'prefetch'));
    p.forEach((x) => q.submit(x));
    t.deepEqual(started, ['p1', 'p2'], 'one slot stays free for demand');
    const d1 = make('d1', 'demand');
    q.submit(d1);
    t.deepEqual(started, ['p1', 'p2', 'd1']);
    const d2 = make('d2', 'demand');
    q.submit(d2);
    t.is(q.queued, 3);
    q.release(p[0]);
    t.deepEqual(started.slice(3), ['d2'], 'the freed slot goes to the waiting demand fetch');
    q.release(d1);
    t.deepEqual(started.slice(4), ['p3']);
    q.release(d2);
    t.deepEqual(started.slice(5), [], 'p4 waits: two prefetches run already');
    q.release(d2); // idempotent
    q.release(p[1]);
    t.deepEqual(started.slice(5), ['p4']);
});
test('boosting a queued prefetch makes it the next to start; cancel removes queued tasks', (t) => {
    const started = [];
    const make = tasks(started);
    const q = new SlotQueue(1);
    t.is(q.prefetchCapacity, 1);
    const a = make('a', 'prefetch');
    const b = make('b', 'prefetch');
    const c = make('c', 'prefetch');
    const d = make('d', 'demand');
    [a, b, c].forEach((x) => q.submit(x));
    q.submit(d);
    q.boost(c);
    t.is(c.priority, 'demand');
    q.release(a);
    q.release(d);
    t.deepEqual(started, ['a', 'd', 'c']);
    t.true(q.cancel(b));
    t.false(q.cancel(b));
    q.release(c);
    t.deepEqual(started, ['a', 'd', 'c']);
    t.is(q.running, 0);
});
test('token bucket: a burst, then the rate', (t) => {
    const bucket = new TokenBucket(1000, 1000, 0);
    t.is(bucket.reserve(1000, 0), 0);
    t.is(bucket.reserve(500, 0), 500);
    t.is(bucket.reserve(500, 500), 500, 'in debt 500 at 500 ms, 500 more: wait until 1000 ms');
    t.is(bucket.reserve(100, 5000), 0, 'refilled, capped at the burst');
});
//# sourceMappingURL=slot-queue.test.js.map