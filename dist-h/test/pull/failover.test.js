/**
 * A running container of a lazily pulled darner image (containerd + the darner snapshotter, the
 * image mounted by kernel EROFS over the daemon's blob devices) keeps reading, with every byte
 * right and no error, while its daemon is SIGKILLed and restarted five times and then replaced by
 * `darner daemon --takeover` (docs/failover.md). The test log reports the longest stall: from
 * the SIGKILL (or the takeover's start) until a read of a never-read file completed in the
 * container.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { MediaType } from '../../src/oci/image-spec.js';
import { pullImage } from '../../snapshotter/pull/pull.js';
import { startDaemonProcess } from '../harness/daemon.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { buildOciImage, busyboxEntries } from '../harness/oci-image.js';
import { convertToRegistry, startPullEnv, uid } from './env.js';
const RESTARTS = 5;
const COLD = RESTARTS + 1;
/** The files and their sha256: two read in a loop from the start, and pairs first read across one restart each. */
function imageFiles() {
    const files = new Map([
        ['data/hot-small', pseudoRandomBytes(16 * 1024 + 3, 100)],
        ['data/hot-large', pseudoRandomBytes(3 * (1 << 20) + 11, 101)],
    ]);
    for (let i = 0; i < COLD; i++) {
        files.set(`data/cold-small-${i}`, pseudoRandomBytes(20 * 1024 + i, 200 + i));
        files.set(`data/cold-large-${i}`, pseudoRandomBytes(2 * (1 << 20) + 17 * i, 300 + i));
    }
    return files;
}
const sha = (b) => createHash('sha256').update(b).digest('hex');
test('a container reads on, every byte right, across 5 daemon SIGKILLs and restarts and a --takeover upgrade', async (t) => {
    const files = imageFiles();
    const expected = new Map([...files].map(([p, data]) => [`/${p}`, sha(data)]));
    let daemon;
    const env = await startPullEnv(t, {
        daemon: async (dir) => {
            daemon = await startDaemonProcess({ dir });
            return { socket: daemon.socket, stop: () => daemon.cleanup({ keepDir: true }) };
        },
    });
    const image = await buildOciImage({
        name: 'failover',
        layers: [busyboxEntries(['sh', 'sha256sum', 'cat', 'sleep', 'echo', 'true', 'wc']), [{ type: 'dir', path: 'data' }, ...[...files].map(([path, data]) => ({ type: 'file', path, data }))]],
        config: { Cmd: ['sh'], Env: ['PATH=/bin'] },
    });
    const summary = await convertToRegistry(image, env.dir, `${env.registry.host}/test/failover:conv`);
    t.true(summary.manifest.layers.some((l) => l.mediaType === MediaType.DARNER_BLOB));
    const ref = `${env.proxy.host}/test/failover:conv`;
    await pullImage(ref, env.pullOptions);
    const loop = 'while true; do sha256sum /data/hot-small /data/hot-large >> /tmp/sums 2>&1 || echo FAIL >> /tmp/sums; done';
    const reader = uid('failover');
    await env.ctd.ctr(['run', '-d', '--snapshotter', 'darner', ref, reader, 'sh', '-c', loop]);
    t.teardown(() => env.ctd.ctr(['tasks', 'kill', '-s', 'SIGKILL', reader]).catch(() => ''));
    let execs = 0;
    const exec = (script) => env.ctd.ctr(['tasks', 'exec', '--exec-id', `e${execs++}`, reader, 'sh', '-c', `${script}; sleep 0.2`]);
    const lineCount = async () => Number((await exec('wc -l < /tmp/sums 2>/dev/null || echo 0')).trim());
    const waitForLines = async (atLeast) => {
        const deadline = Date.now() + 120_000;
        while ((await lineCount()) < atLeast) {
            if (Date.now() > deadline)
                throw new Error(`the read loop did not reach ${atLeast} lines`);
            await sleep(100);
        }
    };
    await waitForLines(4);
    const [mount] = await daemon.client.listMounts();
    t.is(mount.mode, 'erofs');
    const stalls = [];
    /** Reads cold pair `i` in the container while `interrupt` takes the daemon away and brings one back. */
    const across = async (i, interrupt) => {
        const before = await lineCount();
        const started = Date.now();
        await interrupt();
        const sums = await exec(`sha256sum /data/cold-small-${i} /data/cold-large-${i}`);
        stalls.push(Date.now() - started);
        for (const line of sums.trim().split('\n')) {
            const [digest, path] = line.split(/\s+/);
            t.is(digest, expected.get(path), `${path} read across interruption ${i}`);
        }
        await waitForLines(before + 4);
    };
    for (let i = 0; i < RESTARTS; i++) {
        await across(i, async () => {
            await daemon.kill();
            // Pages the kernel holds are served without the daemon: drop them so that the loop's reads
            // (cached in the daemon's cache) and the cold ones go to the blob devices while it is away.
            fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
            daemon = await startDaemonProcess({ dir: daemon.dir });
            t.is(daemon.status.failover?.taken, 1, `restart ${i} took the mount over`);
        });
    }
    await across(RESTARTS, async () => {
        fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
        const old = daemon;
        daemon = await startDaemonProcess({ dir: old.dir, args: ['--takeover'] });
        await old.exited;
        t.is(old.exitCode, 0);
        t.is(daemon.status.failover?.taken, 1, 'the upgrade took the mount over');
    });
    t.deepEqual((await daemon.client.listMounts()).map((m) => m.id), [mount.id], 'one mount all along');
    // The snapshotter watches the daemon (every 5 s): each interruption lasted longer, so it saw at
    // least one daemon replace another and take the mount over.
    const replaced = env.sn.logs().split('\n').filter((l) => l.includes('a new daemon took the mounts over'));
    t.true(replaced.length >= 1, 'the snapshotter reports the takeovers');
    t.false(env.sn.logs().includes('could not take every mount over'));
    const sums = (await exec('cat /tmp/sums')).trim().split('\n');
    const bad = sums.filter((l) => {
        const [digest, path] = l.split(/\s+/);
        return expected.get(path ?? '') !== digest;
    });
    t.deepEqual(bad.slice(0, 5), [], `${bad.length} of ${sums.length} loop reads failed or were wrong`);
    t.true(sums.length >= 4 * (RESTARTS + 2));
    t.log(`${sums.length} loop reads, 0 errors; stall per interruption (ms, from the kill or the takeover's start until a cold read in the container completed, ctr exec included): ${stalls.join(', ')}; longest ${Math.max(...stalls)} ms`);
});
//# sourceMappingURL=failover.test.js.map