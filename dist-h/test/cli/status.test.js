/**
 * `darner status` against a real daemon (P2P on, one image mounted) and a real scheduler: the
 * mounts with their mode, the cache and the P2P state; the scheduler's peers and its preheat tasks
 * (memory and Redis stores); human and --json; one line and exit 1 when nothing answers.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { formatDuration } from '../../src/cli/status-format.js';
import { startPeerDaemon, startSchedulerProcess, writeTokenFile } from '../harness/p2p-cluster.js';
import { startRedis } from '../harness/redis.js';
import { startRegistry } from '../harness/registry.js';
import { publishImage } from '../harness/rich-image.js';
import { eventually } from '../p2p/helpers.js';
const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
function darner(...args) {
    return run(process.execPath, [CLI, ...args], { env: { ...process.env, DARNER_LOG_LEVEL: 'warn' }, timeout: 60_000 });
}
test('formatDuration keeps the two largest units', (t) => {
    t.is(formatDuration(0), '0s');
    t.is(formatDuration(12_400), '12s');
    t.is(formatDuration((4 * 60 + 10) * 1000), '4m 10s');
    t.is(formatDuration((2 * 3600 + 5 * 60 + 7) * 1000), '2h 5m');
    t.is(formatDuration((3 * 86400 + 4 * 3600 + 59) * 1000), '3d 4h');
    t.is(formatDuration(3600 * 1000), '1h');
});
test('darner status shows a daemon\'s mounts with their mode, its cache and P2P; --scheduler shows the peers', async (t) => {
    const registry = await startRegistry();
    t.teardown(() => registry.stop());
    const image = await publishImage(registry.host, 'status', [[{ type: 'file', path: 'hello', data: 'status test\n' }]]);
    const token = await writeTokenFile('status-token');
    t.teardown(() => token.remove());
    const scheduler = await startSchedulerProcess({ tokenFile: token.path });
    t.teardown(() => scheduler.stop());
    const daemon = await startPeerDaemon(0, { schedulers: [scheduler.address], tokenFile: token.path });
    t.teardown(() => daemon.cleanup());
    const mountpoint = join(daemon.mountRoot, 'image');
    const { mount } = await daemon.client.mount({ reference: image.darnerRef, mountpoint });
    t.truthy(mount.mode);
    await eventually(async () => (await daemon.client.status()).p2p?.state === 'ready', 30_000, 'peer registered');
    const human = (await darner('status', '--socket', daemon.socket)).stdout;
    t.regex(human, new RegExp(`^daemon +pid ${daemon.pid}, version \\S+, up `, 'm'));
    t.regex(human, new RegExp(`^cache +${daemon.cacheDir}: 1 blobs \\(1 in use\\), `, 'm'));
    t.regex(human, new RegExp(`^p2p +on: host node-0, serving at http://${daemon.peerAddress}, scheduler ${scheduler.address} \\(ready\\)$`, 'm'));
    t.regex(human, /^mounts +1$/m);
    t.regex(human, /^ {2}ID +MODE +REFERENCE +MOUNTPOINT$/m);
    t.regex(human, new RegExp(`^ {2}${mount.id} +${mount.mode} +${image.darnerRef.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} +${mountpoint}$`, 'm'));
    // The old flag name still works.
    const json = JSON.parse((await darner('status', '--daemon', daemon.socket, '--json')).stdout);
    t.is(json.daemon.pid, daemon.pid);
    t.is(json.daemon.p2p?.hostId, 'node-0');
    t.deepEqual(json.mounts.map((m) => [m.id, m.mode, m.mountpoint]), [[mount.id, mount.mode, mountpoint]]);
    t.deepEqual(json.cache.blobs.map((b) => b.id), mount.blobs);
    const sched = (await darner('status', '--scheduler', scheduler.address, '--peer-token-file', token.path)).stdout;
    t.regex(sched, new RegExp(`^scheduler +${scheduler.address}: id \\S+, version \\S+, store memory, up `, 'm'));
    t.regex(sched, /^peers +1 \(0 seeds\)$/m);
    t.regex(sched, new RegExp(`^ {2}node-0 +http://${daemon.peerAddress} +no +0/\\d+ `, 'm'));
    const schedJson = JSON.parse((await darner('status', '--scheduler', scheduler.address, '--peer-token-file', token.path, '--json')).stdout);
    t.is(schedJson.scheduler.peers, 1);
    t.deepEqual(schedJson.peers.map((p) => [p.hostId, p.peerUrl]), [['node-0', `http://${daemon.peerAddress}`]]);
    // Without the token the scheduler refuses: one line with the code.
    const refused = await t.throwsAsync(darner('status', '--scheduler', scheduler.address));
    t.regex(refused.stderr, /^darner: [^\n]*\[SCHEDULER_UNAUTHENTICATED\]\n$/);
});
for (const store of ['memory', 'redis']) {
    test(`darner status --scheduler lists preheat tasks with their state, seed and reason (${store} store)`, async (t) => {
        const registry = await startRegistry();
        t.teardown(() => registry.stop());
        const image = await publishImage(registry.host, 'status-tasks', [[{ type: 'file', path: 'hello', data: 'preheated\n' }]]);
        const missing = `${registry.host}/status-tasks/missing:1`;
        const token = await writeTokenFile('status-tasks-token');
        t.teardown(() => token.remove());
        const redis = store === 'redis' ? await startRedis() : undefined;
        if (redis !== undefined)
            t.teardown(() => redis.stop());
        const scheduler = await startSchedulerProcess({ tokenFile: token.path, ...(redis !== undefined ? { redis: redis.url } : {}) });
        t.teardown(() => scheduler.stop());
        const seed = await startPeerDaemon(0, { schedulers: [scheduler.address], tokenFile: token.path, args: ['--seed'] });
        t.teardown(() => seed.cleanup());
        await eventually(async () => (await seed.client.status()).p2p?.state === 'ready', 30_000, 'seed registered');
        const sched = ['--scheduler', scheduler.address, '--peer-token-file', token.path];
        const before = JSON.parse((await darner('status', ...sched, '--json')).stdout);
        t.deepEqual(before.tasks, []);
        t.regex((await darner('status', ...sched)).stdout, /^tasks +0 \(0 queued, 0 succeeded, 0 failed\)$/m);
        await darner('preheat', '--wait', '--wait-timeout', '240000', ...sched, image.darnerRef);
        const failed = await t.throwsAsync(darner('preheat', '--wait', '--wait-timeout', '240000', ...sched, missing));
        t.regex(failed.stderr, /\[PREHEAT_FAILED\]\n$/);
        const json = JSON.parse((await darner('status', ...sched, '--json')).stdout);
        // Most recently changed first: the failed preheat, then the one that succeeded.
        t.deepEqual(json.tasks.map((task) => [task.kind, task.imageRef, task.state, task.hostId]), [
            ['preheat', missing, 'TASK_FAILED', 'node-0'],
            ['preheat', image.darnerRef, 'TASK_SUCCEEDED', 'node-0'],
        ]);
        const [bad, good] = json.tasks;
        t.not(bad.reason, '');
        t.is(good.reason, '');
        for (const task of json.tasks)
            t.true(task.createdUnixMs > 0 && task.createdUnixMs <= task.updatedUnixMs);
        const human = (await darner('status', ...sched)).stdout;
        t.regex(human, /^tasks +2 \(0 queued, 1 succeeded, 1 failed\)$/m);
        t.regex(human, /^ {2}TASK ID +KIND +TARGET +STATE +HOST +STARTED +ERROR$/m);
        const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        t.regex(human, new RegExp(`^ {2}${bad.taskId} +preheat +${escape(missing)} +failed +node-0 +\\S+( \\S+)? ago +${escape(bad.reason)}$`, 'm'));
        t.regex(human, new RegExp(`^ {2}${good.taskId} +preheat +${escape(image.darnerRef)} +succeeded +node-0 +\\S+( \\S+)? ago$`, 'm'));
    });
}
test('darner status with no daemon answering: one line naming the socket, exit 1', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'darner-status-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const socket = join(dir, 'none.sock');
    const err = await t.throwsAsync(darner('status', '--socket', socket));
    const { stderr, code } = err;
    t.is(code, 1);
    t.regex(stderr, new RegExp(`^darner: no darner daemon answers on ${socket} \\(ENOENT\\) \\[DAEMON_UNAVAILABLE\\]\\n$`));
});
//# sourceMappingURL=status.test.js.map