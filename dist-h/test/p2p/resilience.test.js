/**
 * The P2P cluster when parts fail, all real processes: a parent killed mid-transfer, the
 * scheduler stopped and restarted, two scheduler replicas over one redis-server with one
 * killed — and `darner preheat` end to end through a seed daemon.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { SchedulerAdmin } from '../../src/p2p/scheduler-client.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { mountEverywhere, metricSum, readEverywhere, startClusterOrigin, startPeerDaemon, startPeerDaemons, startSchedulerProcess, stopAll } from '../harness/p2p-cluster.js';
import { startRedis } from '../harness/redis.js';
import { CLI, eventually } from './helpers.js';
const run = promisify(execFile);
const MiB = 1 << 20;
const CHUNK = 256 * 1024;
const TOKEN = 'p2p-resilience-token';
const FILES = {
    one: pseudoRandomBytes(12 * MiB, 91),
    two: pseudoRandomBytes(6 * MiB, 92),
    three: pseudoRandomBytes(6 * MiB, 93),
};
const sha = (b) => createHash('sha256').update(b).digest('hex');
let proxy;
let reference;
let tokenFile;
const cleanups = [];
test.before(async () => {
    const layer = Object.entries(FILES).map(([path, data]) => ({ type: 'file', path, data }));
    ({ proxy, reference, tokenFile } = await startClusterOrigin('p2p-resilience', layer, { chunkSize: CHUNK, token: TOKEN }, cleanups));
});
test.after.always(async () => {
    for (const fn of cleanups.reverse())
        await fn().catch(() => undefined);
});
const originRangeBytes = () => proxy.bytesServed((r) => r.kind === 'blob' && r.range !== undefined);
function admin(addresses) {
    return new SchedulerAdmin({ addresses, token: TOKEN });
}
/** Waits until the scheduler lists `hostId` holding at least `chunks` chunks. */
async function holds(a, hostId, chunks) {
    await eventually(async () => ((await a.listPeers().catch(() => [])).find((p) => p.hostId === hostId)?.chunks ?? 0) >= chunks, 20_000, `${hostId} holding ${chunks} chunks`);
}
const chunksOf = (path) => Math.ceil(FILES[path].length / CHUNK);
test.serial('a parent killed in the middle of a transfer: the readers finish with the right bytes', async (t) => {
    const scheduler = await startSchedulerProcess({ tokenFile: tokenFile.path });
    t.teardown(() => scheduler.stop());
    const a = admin([scheduler.address]);
    t.teardown(() => a.close());
    // node-0 uploads slowly (so that it dies mid-transfer); the readers accept slow parents.
    const nodes = await startPeerDaemons(3, {
        schedulers: [scheduler.address],
        tokenFile: tokenFile.path,
        configToml: 'min_peer_throughput = 10000\n',
        args: (i) => (i === 0 ? ['--peer-upload-limit', '2M'] : []),
    });
    t.teardown(() => stopAll(nodes));
    await mountEverywhere(nodes, reference);
    const [parent, ...readers] = nodes;
    t.deepEqual(await readEverywhere([parent], 'one'), [sha(FILES.one)]);
    await holds(a, parent.hostId, chunksOf('one'));
    const reading = readEverywhere(readers, 'one');
    await eventually(async () => (await parent.metric('darner_p2p_upload_bytes_total')) > MiB, 20_000, 'uploads under way');
    await parent.kill();
    t.deepEqual(await reading, readers.map(() => sha(FILES.one)), 'every reader got the right bytes');
    t.is(await metricSum(readers, 'darner_fuse_read_errors_total'), 0);
    t.true((await metricSum(readers, 'darner_p2p_parent_failures_total')) > 0, 'transfers from the dead parent failed and were retried elsewhere');
});
test.serial('scheduler stopped: reads go on from the origin; restarted: peers re-register, holdings are re-announced, P2P resumes', async (t) => {
    let scheduler = await startSchedulerProcess({ tokenFile: tokenFile.path });
    const address = scheduler.address;
    t.teardown(() => scheduler.stop());
    const a = admin([address]);
    t.teardown(() => a.close());
    const nodes = await startPeerDaemons(2, { schedulers: [address], tokenFile: tokenFile.path });
    t.teardown(() => stopAll(nodes));
    await mountEverywhere(nodes, reference);
    const [first, second] = nodes;
    t.deepEqual(await readEverywhere([first], 'two'), [sha(FILES.two)]);
    await holds(a, first.hostId, chunksOf('two'));
    t.like((await first.client.status()).p2p, { hostId: first.hostId, scheduler: address, state: 'ready' });
    await scheduler.stop();
    const before = originRangeBytes();
    t.deepEqual(await readEverywhere([second], 'two'), [sha(FILES.two)], 'reads work without the scheduler');
    t.true(originRangeBytes() - before >= FILES.two.length, 'from the origin');
    t.true((await second.metric('darner_p2p_resolves_total', { decision: 'no_p2p' })) > 0);
    scheduler = await startSchedulerProcess({ tokenFile: tokenFile.path, listen: address });
    // Both peers come back with everything they hold.
    await holds(a, first.hostId, chunksOf('two'));
    await holds(a, second.hostId, chunksOf('two'));
    const third = await startPeerDaemon(2, { schedulers: [address], tokenFile: tokenFile.path });
    t.teardown(() => third.cleanup());
    await mountEverywhere([third], reference);
    const origin = originRangeBytes();
    t.deepEqual(await readEverywhere([third], 'two'), [sha(FILES.two)]);
    t.is(originRangeBytes(), origin, 'a new node read it from its peers only');
    t.true((await third.metric('darner_p2p_candidate_hits_total')) > 0);
});
test.serial('two scheduler replicas over one Redis: peers registered through one are found through the other; one killed, the other serves', async (t) => {
    const redis = await startRedis();
    t.teardown(() => redis.stop());
    const s1 = await startSchedulerProcess({ tokenFile: tokenFile.path, redis: redis.url });
    t.teardown(() => s1.stop());
    const s2 = await startSchedulerProcess({ tokenFile: tokenFile.path, redis: redis.url });
    t.teardown(() => s2.stop());
    const a2 = admin([s2.address]);
    t.teardown(() => a2.close());
    const holder = await startPeerDaemon(0, { schedulers: [s1.address, s2.address], tokenFile: tokenFile.path });
    t.teardown(() => holder.cleanup());
    const viaTwo = await startPeerDaemon(1, { schedulers: [s2.address, s1.address], tokenFile: tokenFile.path });
    t.teardown(() => viaTwo.cleanup());
    await mountEverywhere([holder, viaTwo], reference);
    t.deepEqual(await readEverywhere([holder], 'three'), [sha(FILES.three)]);
    await holds(a2, holder.hostId, chunksOf('three'));
    let origin = originRangeBytes();
    t.deepEqual(await readEverywhere([viaTwo], 'three'), [sha(FILES.three)]);
    t.is(originRangeBytes(), origin, 'found the holder registered through the other replica');
    await s1.kill();
    const late = await startPeerDaemon(2, { schedulers: [s1.address, s2.address], tokenFile: tokenFile.path });
    t.teardown(() => late.cleanup());
    await mountEverywhere([late], reference);
    await eventually(async () => (await a2.listPeers()).some((p) => p.hostId === late.hostId), 20_000, 'the new node registered through the live replica');
    origin = originRangeBytes();
    t.deepEqual(await readEverywhere([late], 'three'), [sha(FILES.three)]);
    t.is(originRangeBytes(), origin, 'served by peers through the surviving replica');
});
test.serial('darner preheat: a seed daemon fetches the image; another node then reads it without the origin', async (t) => {
    const scheduler = await startSchedulerProcess({ tokenFile: tokenFile.path });
    t.teardown(() => scheduler.stop());
    const a = admin([scheduler.address]);
    t.teardown(() => a.close());
    const seed = await startPeerDaemon(0, { schedulers: [scheduler.address], tokenFile: tokenFile.path, args: ['--seed'] });
    t.teardown(() => seed.cleanup());
    await eventually(async () => (await a.listPeers()).some((p) => p.hostId === seed.hostId && p.isSeed), 20_000, 'the seed registered');
    const preheat = (ref) => run(process.execPath, [CLI, 'preheat', '--wait', '--wait-timeout', '300000', '--scheduler', scheduler.address, '--peer-token-file', tokenFile.path, ref]);
    // An image that does not exist: the seed's failure comes back to the command, in one line.
    const missing = `${proxy.host}/p2p-resilience/absent:1`;
    const failed = await t.throwsAsync(preheat(missing));
    t.is(failed.code, 1, 'non-zero exit');
    t.regex(failed.stdout, new RegExp(`queued on seed ${seed.hostId}`));
    const lines = failed.stderr.trim().split('\n');
    t.is(lines.length, 1, failed.stderr);
    t.regex(lines[0], new RegExp(`^darner: preheat of ${missing.replace(/[.]/g, '\\.')} \\(task \\S+ on seed ${seed.hostId}\\) failed on the seed: .*absent/manifests/1: 404 .*\\[PREHEAT_FAILED\\]$`), 'the seed\'s reason: the registry has no such manifest');
    t.is(await seed.metric('darner_p2p_preheats_total', { outcome: 'failed' }), 1);
    // An image that exists: --wait returns once the seed holds every chunk.
    const before = originRangeBytes();
    const { stdout } = await preheat(reference);
    t.regex(stdout, new RegExp(`queued on seed ${seed.hostId}\n.*done: seed ${seed.hostId} holds`));
    t.is(await seed.metric('darner_p2p_preheats_total', { outcome: 'ok' }), 1, 'the seed finished before the command returned');
    const total = Object.keys(FILES).reduce((n, p) => n + chunksOf(p), 0);
    await holds(a, seed.hostId, total);
    t.true(originRangeBytes() - before >= Object.values(FILES).reduce((n, f) => n + f.length, 0), 'the seed fetched the image from the origin');
    const node = await startPeerDaemon(1, { schedulers: [scheduler.address], tokenFile: tokenFile.path });
    t.teardown(() => node.cleanup());
    await mountEverywhere([node], reference);
    const origin = originRangeBytes();
    t.deepEqual(await readEverywhere([node], 'one'), [sha(FILES.one)]);
    t.is(originRangeBytes(), origin, 'read from the seed only');
});
//# sourceMappingURL=resilience.test.js.map