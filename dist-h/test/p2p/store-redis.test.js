// The StateStore conformance suite against a real redis-server; each test gets its own key prefix.
import test from 'ava';
import { RedisStore } from '../../src/p2p/scheduler/redis-store.js';
import { startRedis } from '../harness/redis.js';
import { schedulerStoreSuite } from '../suites/scheduler-store.js';
let redis;
let n = 0;
test.before(async () => {
    redis = await startRedis();
});
test.after.always(async () => {
    await redis?.stop();
});
schedulerStoreSuite(test, async () => {
    const store = await RedisStore.connect({ url: redis.url, prefix: `t${++n}:` });
    return { store, close: () => store.close() };
});
//# sourceMappingURL=store-redis.test.js.map