/**
 * Failover of erofs-mode mounts (docs/failover.md): the fd keeper holds each blob-device FUSE
 * connection while no daemon runs; a restarted daemon takes the mount over without unmounting and
 * the kernel resends what the dead daemon had read but not answered. Without the keeper the
 * restart cannot take over: it says so in one line, and `darner umount` still detaches.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseMountInfo } from '../../src/util/mountinfo.js';
import { keeperPid, killKeeper, startDaemonProcess } from '../harness/daemon.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { startCountingProxy, startRegistry } from '../harness/registry.js';
import { publishImage } from '../harness/rich-image.js';
const run = promisify(execFile);
const CLI_MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const CONFIG = '[fetch]\nsequential_read_ahead = 0\n[fuse]\nmode = "erofs"';
const FILES = {
    a: pseudoRandomBytes(3 * (1 << 20) + 5, 21),
    b: pseudoRandomBytes(2 * (1 << 20) + 7, 22),
};
const sha = (b) => createHash('sha256').update(b).digest('hex');
/** sha256 of a file read by another process (a read that waits on a dead daemon blocks it, not this one). */
async function sha256Of(path) {
    const { stdout } = await run('sha256sum', [path], { timeout: 120_000 });
    return stdout.split(' ')[0];
}
async function mountIds(dir) {
    const text = await readFile('/proc/self/mountinfo', 'utf8');
    const ids = [];
    for (const line of text.split('\n')) {
        const mountPoint = line.split(' ')[4];
        if (mountPoint !== undefined && mountPoint.startsWith(`${dir}/`))
            ids.push(`${line.split(' ')[0]} ${mountPoint}`);
    }
    return ids.sort();
}
async function setup(t, name) {
    const registry = await startRegistry();
    t.teardown(() => registry.stop());
    const proxy = await startCountingProxy(registry.host);
    t.teardown(() => proxy.stop());
    // a and b in separate blobs: the kernel's readahead over a's blob device never fetches b.
    const published = await publishImage(registry.host, name, [[{ type: 'file', path: 'a', data: FILES.a }], [{ type: 'file', path: 'b', data: FILES.b }]]);
    const reference = published.darnerRef.replace(registry.host, proxy.host);
    const daemon = await startDaemonProcess({ configToml: CONFIG });
    t.teardown(() => daemon.cleanup());
    const mnt = join(daemon.mountRoot, name);
    const { mount } = await daemon.client.mount({ reference, mountpoint: mnt });
    t.is(mount.mode, 'erofs');
    return { proxy, daemon, mnt, mount };
}
test('a SIGKILLed daemon restarts and takes its mount over: same kernel mounts, cache kept, unread files fetched', async (t) => {
    const { proxy, daemon, mnt, mount } = await setup(t, 'takeover');
    t.is(await sha256Of(join(mnt, 'a')), sha(FILES.a));
    // Chunks are committed to the cache after the read they answered: wait for all four of a's.
    const deadline = Date.now() + 30_000;
    while (!(await daemon.client.cacheList()).blobs.some((b) => b.id === mount.blobs[0] && b.readyChunks >= 4)) {
        if (Date.now() > deadline)
            throw new Error("a's chunks never reached the cache");
        await new Promise((r) => setTimeout(r, 50));
    }
    const before = await mountIds(daemon.dir);
    t.truthy(await keeperPid(daemon.stateDir), 'the daemon started an fd keeper');
    await daemon.kill();
    proxy.reset();
    const again = await startDaemonProcess({ dir: daemon.dir, configToml: CONFIG });
    t.teardown(() => again.cleanup());
    t.deepEqual(await mountIds(daemon.dir), before, 'the very same mounts (mount ids): nothing was unmounted or mounted again');
    t.deepEqual((await again.client.listMounts()).map((m) => m.id), [mount.id]);
    t.deepEqual(again.status.failover, { keeper: join(daemon.stateDir, 'fd-keeper.sock'), taken: 1, lost: 0, failed: 0 });
    t.is(await again.metric('darner_daemon_takeovers_total', { result: 'taken' }), 1);
    t.notRegex(again.logs, /detaching/);
    t.is(await sha256Of(join(mnt, 'b')), sha(FILES.b), 'an unread file is served by the new daemon');
    t.true(proxy.bytesServed('blob') > 0);
    // Dropped from the page cache, a is read again from the blob devices: the cache the dead
    // daemon filled serves it, not the origin.
    await run('sh', ['-c', 'echo 3 > /proc/sys/vm/drop_caches']);
    const fetched = proxy.bytesServed('blob');
    t.is(await sha256Of(join(mnt, 'a')), sha(FILES.a));
    t.is(proxy.bytesServed('blob'), fetched, 'a comes from the cache');
});
test('a read in flight when the daemon is SIGKILLed completes after the restart (the kernel resends it)', async (t) => {
    const { proxy, daemon, mnt } = await setup(t, 'resend');
    // The origin never answers the first blob request: the read waits in the daemon when it dies.
    proxy.failNext('stall', { kind: 'blob' });
    const reading = sha256Of(join(mnt, 'b'));
    const deadline = Date.now() + 60_000;
    while (!proxy.requests.some((r) => r.kind === 'blob' && r.fault === 'stall')) {
        if (Date.now() > deadline)
            throw new Error('the read never reached the origin');
        await new Promise((r) => setTimeout(r, 20));
    }
    await daemon.kill();
    const again = await startDaemonProcess({ dir: daemon.dir, configToml: CONFIG });
    t.teardown(() => again.cleanup());
    t.is(await reading, sha(FILES.b), 'no EIO, no hang: every byte right');
    t.is(again.status.failover?.taken, 1);
});
test('a restart with the fd keeper gone too says in one line that it cannot take over, and darner umount detaches', async (t) => {
    const { daemon, mnt, mount } = await setup(t, 'lost');
    t.is(await sha256Of(join(mnt, 'a')), sha(FILES.a));
    await daemon.kill();
    await killKeeper(daemon.stateDir);
    const again = await startDaemonProcess({ dir: daemon.dir, configToml: CONFIG });
    t.teardown(() => again.cleanup());
    const lines = again.logs.split('\n').filter((l) => l.includes('cannot take over mount'));
    t.is(lines.length, 1, 'one line');
    t.true(lines[0].includes(mount.id) && lines[0].includes(mnt) && lines[0].includes('fd keeper'));
    t.is(again.status.failover?.lost, 1);
    t.is(await again.metric('darner_daemon_takeovers_total', { result: 'lost' }), 1);
    await run(process.execPath, [CLI_MAIN, 'umount', '--daemon', again.socket, mnt], { timeout: 60_000 });
    const left = parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8')).filter((m) => m.mountPoint === mnt || m.mountPoint.startsWith(`${daemon.stateDir}/devices/`));
    t.deepEqual(left, [], 'neither the image mount nor its blob devices are left');
});
test('darner daemon --takeover: the running daemon hands over and exits, the new one serves the same mounts', async (t) => {
    const { proxy, daemon, mnt, mount } = await setup(t, 'upgrade');
    t.is(await sha256Of(join(mnt, 'a')), sha(FILES.a));
    const before = await mountIds(daemon.dir);
    proxy.reset();
    const next = await startDaemonProcess({ dir: daemon.dir, configToml: CONFIG, args: ['--takeover'] });
    t.teardown(() => next.cleanup());
    await daemon.exited;
    t.is(daemon.exitCode, 0, 'the old daemon exited by itself');
    t.regex(daemon.logs, /handing over to a new daemon/);
    t.not(next.pid, daemon.pid);
    t.deepEqual(await mountIds(daemon.dir), before, 'nothing was unmounted or mounted again');
    t.deepEqual((await next.client.listMounts()).map((m) => m.id), [mount.id]);
    t.is(next.status.failover?.taken, 1);
    t.is(await sha256Of(join(mnt, 'b')), sha(FILES.b));
});
test('darner daemon --takeover against a daemon that cannot hand over fails in one line, and the old daemon keeps serving', async (t) => {
    // A daemon without a keeper has no handover to offer.
    const old = await startDaemonProcess({ configToml: `${CONFIG}\n[failover]\nkeeper = "off"` });
    t.teardown(() => old.cleanup());
    const args = [CLI_MAIN, 'daemon', '--takeover', '--socket', old.socket, '--state', join(old.dir, 'state'), '--cache', old.cacheDir, '--metrics', '127.0.0.1:0'];
    const err = await run(process.execPath, args, { timeout: 120_000, env: { ...process.env, DARNER_LOG_LEVEL: 'warn' } }).then(() => undefined, (e) => e);
    t.truthy(err, 'the new daemon does not start');
    t.not(err.code, 0);
    t.is(err.stderr.trim().split('\n').length, 1, err.stderr);
    t.regex(err.stderr, /^darner: the daemon on .* cannot hand over .*\[TAKEOVER_FAILED\]$/m);
    t.is((await old.client.status()).pid, old.pid, 'the old daemon still answers');
});
test('with [failover] stop = "keep" a SIGTERM leaves the mounts to the next daemon, which takes them over', async (t) => {
    const registry = await startRegistry();
    t.teardown(() => registry.stop());
    const published = await publishImage(registry.host, 'keep-on-stop', [[{ type: 'file', path: 'a', data: FILES.a }], [{ type: 'file', path: 'b', data: FILES.b }]]);
    const config = `${CONFIG}\n[failover]\nstop = "keep"`;
    const daemon = await startDaemonProcess({ configToml: config });
    t.teardown(() => daemon.cleanup());
    const mnt = join(daemon.mountRoot, 'keep');
    const { mount } = await daemon.client.mount({ reference: published.darnerRef, mountpoint: mnt });
    t.is(await sha256Of(join(mnt, 'a')), sha(FILES.a));
    const before = await mountIds(daemon.dir);
    await daemon.stop();
    t.is(daemon.exitCode, 0, 'a clean exit');
    t.deepEqual(await mountIds(daemon.dir), before, 'nothing was unmounted');
    const again = await startDaemonProcess({ dir: daemon.dir, configToml: config });
    t.teardown(() => again.cleanup());
    t.deepEqual(await mountIds(daemon.dir), before, 'nor mounted again');
    t.deepEqual((await again.client.listMounts()).map((m) => m.id), [mount.id]);
    t.is(again.status.failover?.taken, 1);
    t.is(await sha256Of(join(mnt, 'b')), sha(FILES.b), 'an unread file is served by the new daemon');
});
//# sourceMappingURL=failover.test.js.map