// A scheduler whose Redis goes away: clients fall back to the origin at once, and P2P resumes
// when Redis is back (here empty, as after a Redis restart without persistence).
import test from 'ava';
import { StoreUnavailableError } from '../../src/errors.js';
import { RedisStore } from '../../src/p2p/scheduler/redis-store.js';
import { freePort, startRedis } from '../harness/redis.js';
import { BLOB, eventually, inProcessScheduler, readyClients } from './helpers.js';
test('connecting to a Redis that is not there is a StoreUnavailableError', async (t) => {
    const port = await freePort();
    await t.throwsAsync(RedisStore.connect({ url: `redis://127.0.0.1:${port}` }), { instanceOf: StoreUnavailableError });
});
test('Redis down: resolves answer "no P2P"; Redis back: clients register again and P2P resumes', async (t) => {
    let redis = await startRedis();
    t.teardown(() => redis.stop());
    const port = redis.port;
    const sched = await inProcessScheduler(t, { redis: redis.url });
    const [holder, asker] = await readyClients(t, [sched.address], ['holder', 'asker'], {
        listHoldings: () => [{ blobId: BLOB, offsets: [0] }],
    });
    await eventually(async () => (await asker.resolve(BLOB, [0])).groups[0]?.decision === 'PARENTS');
    await redis.stop();
    await eventually(async () => !(await asker.resolve(BLOB, [0])).p2p, 20_000, 'fallback to the origin');
    redis = await startRedis({ port });
    await eventually(async () => {
        const g = (await asker.resolve(BLOB, [0])).groups[0];
        return g?.decision === 'PARENTS' && g.parents[0]?.hostId === 'holder';
    }, 30_000, 'P2P back, holdings re-announced');
    t.is(holder.state, 'ready');
});
//# sourceMappingURL=redis-outage.test.js.map