// Two `darner scheduler` processes sharing one redis-server: shared state, one fetcher per chunk
// across replicas, and failover when a replica dies.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { SchedulerAdmin } from '../../src/p2p/scheduler-client.js';
import { startRedis } from '../harness/redis.js';
import { BLOB, CLI, eventually, readyClients, schedulerProcess } from './helpers.js';
const run = promisify(execFile);
let redis;
let prefixes = 0;
test.before(async () => {
    redis = await startRedis();
});
test.after.always(async () => {
    await redis?.stop();
});
/** Two replicas on one Redis key space, with short keep-alives (from a config file). */
async function twoReplicas(t) {
    const dir = await mkdtemp(join(tmpdir(), 'darner-replicas-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const config = join(dir, 'scheduler.toml');
    await writeFile(config, `redis = "${redis.url}"\nredis_prefix = "replicas${++prefixes}:"\n[scheduling]\nkeepalive_interval_ms = 500\npeer_ttl_ms = 5000\n`);
    const args = ['--config', config];
    const [a, b] = await Promise.all([schedulerProcess(t, args), schedulerProcess(t, args)]);
    return { a: a, b: b };
}
function fetcherFor(groups, offset) {
    return groups.some((g) => g.decision === 'BACK_TO_SOURCE' && g.offsets.includes(offset));
}
test('peers registered through one replica are found through the other', async (t) => {
    const { a, b } = await twoReplicas(t);
    const [holder] = await readyClients(t, [a.address], ['holder']);
    const [asker] = await readyClients(t, [b.address], ['asker']);
    holder.announce(BLOB, [0, 4096]);
    await holder.flush();
    const answer = await asker.resolve(BLOB, [0, 4096, 8192]);
    t.true(answer.p2p);
    t.deepEqual(answer.groups.map((g) => [g.decision, g.offsets, g.decision === 'PARENTS' ? g.parents.map((p) => p.hostId) : []]), [
        ['PARENTS', [0, 4096], ['holder']],
        ['BACK_TO_SOURCE', [8192], []],
    ]);
    const admin = new SchedulerAdmin({ addresses: [b.address] });
    t.teardown(() => admin.close());
    t.deepEqual((await admin.listPeers()).map((p) => [p.hostId, p.chunks]), [['asker', 0], ['holder', 2]]);
    t.like(await admin.status(), { store: 'redis', peers: 2 });
});
test('concurrent resolves through both replicas elect one fetcher per chunk', async (t) => {
    const { a, b } = await twoReplicas(t);
    const hosts = Array.from({ length: 8 }, (_, i) => `n${i}`);
    const peers = [
        ...(await readyClients(t, [a.address], hosts.slice(0, 4))),
        ...(await readyClients(t, [b.address], hosts.slice(4))),
    ];
    const offsets = Array.from({ length: 32 }, (_, i) => i * 65536);
    // Each peer asks in its own order so that the replicas' elections interleave.
    const answers = await Promise.all(peers.map((p, i) => p.resolve(BLOB, i % 2 ? [...offsets].reverse() : offsets)));
    t.true(answers.every((x) => x.p2p));
    for (const offset of offsets) {
        const fetchers = answers.filter((x) => fetcherFor(x.groups, offset));
        t.is(fetchers.length, 1, `offset ${offset}`);
    }
});
test('when a replica dies the other serves, and a client with both addresses fails over', async (t) => {
    const { a, b } = await twoReplicas(t);
    const [holder] = await readyClients(t, [a.address, b.address], ['holder']);
    const [asker] = await readyClients(t, [b.address], ['asker']);
    t.is(holder.address, a.address);
    holder.announce(BLOB, [0]);
    await holder.flush();
    a.child.kill('SIGKILL');
    await a.exited;
    // The surviving replica still answers from the shared state.
    const parents = async () => {
        const g = (await asker.resolve(BLOB, [0])).groups[0];
        return g?.decision === 'PARENTS' ? g.parents.map((p) => p.hostId) : [];
    };
    t.deepEqual(await parents(), ['holder']);
    // The holder notices on its next call or heartbeat and moves to b, where it is already known.
    await eventually(async () => holder.state === 'ready' && holder.address === b.address, 20_000, 'failover to b');
    const mine = await holder.resolve(BLOB, [4096]);
    t.true(mine.p2p);
    t.is(mine.groups[0]?.decision, 'BACK_TO_SOURCE');
    holder.announce(BLOB, [4096]);
    await holder.flush();
    t.deepEqual((await asker.resolve(BLOB, [4096])).groups.map((g) => g.decision), ['PARENTS']);
    // It was still registered in Redis: it stays on its old registration.
    t.deepEqual(await parents(), ['holder']);
});
test('darner preheat reaches a seed; SIGTERM stops the scheduler cleanly', async (t) => {
    const { a, b } = await twoReplicas(t);
    const [seed] = await readyClients(t, [a.address], ['seed-a'], { isSeed: true });
    const tasks = [];
    seed.watchTasks((task) => {
        tasks.push(task.imageRef);
    });
    await eventually(async () => (await seed.status()).seeds === 1);
    // Asked through b, delivered by a (the replica the seed watches through), via Redis.
    const { stdout } = await run(process.execPath, [CLI, 'preheat', '--scheduler', `127.0.0.1:1,${b.address}`, 'registry.test/app:2']);
    t.regex(stdout, /^preheat task \S+ queued on seed seed-a\n$/);
    await eventually(() => tasks.length === 1, 20_000, 'task delivery across replicas');
    t.deepEqual(tasks, ['registry.test/app:2']);
    b.child.kill('SIGTERM');
    t.is(await b.exited, 0);
    t.regex(b.stderr(), /scheduler stopped/);
});
//# sourceMappingURL=replicas.test.js.map