/**
 * The daemon's life: SIGTERM unmounts everything and exits 0; the next start mounts the same
 * images again; a killed daemon's dead mounts (fuse mode: "transport endpoint is not
 * connected"; erofs mode: metadata still answers, data the kernel has not cached is EIO) are
 * detached and mounted again on restart, and files read before are then served from the cache
 * with no byte from the origin.
 */
import test from 'ava';
import { access, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DARNER_FUSE_TYPE } from '../../src/fs/index.js';
import { parseMountInfo } from '../../src/util/mountinfo.js';
import { startDaemonProcess } from '../harness/daemon.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { startCountingProxy, startRegistry } from '../harness/registry.js';
import { publishImage } from '../harness/rich-image.js';
/** Image mounts (FUSE or kernel EROFS, not the blob devices under them) below `dir`. */
async function darnerMountsUnder(dir) {
    const mounts = parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8'));
    return mounts
        .filter((m) => (m.fsType === DARNER_FUSE_TYPE || m.fsType === 'erofs') && m.mountPoint.startsWith(`${dir}/`) && !m.mountPoint.includes('/state/devices/'))
        .map((m) => m.mountPoint);
}
/** Blob device mounts (erofs mode) below `dir`. */
async function deviceMountsUnder(dir) {
    const mounts = parseMountInfo(await readFile('/proc/self/mountinfo', 'utf8'));
    return mounts.filter((m) => m.fsType === DARNER_FUSE_TYPE && m.mountPoint.startsWith(`${dir}/state/devices/`)).map((m) => m.mountPoint);
}
/** Polls `check` until it holds (fails the test after 30 s). */
async function eventually(check) {
    const deadline = Date.now() + 30_000;
    while (!(await check())) {
        if (Date.now() > deadline)
            throw new Error('condition not reached within 30 s');
        await new Promise((r) => setTimeout(r, 50));
    }
}
const FILES = {
    a: pseudoRandomBytes(3 * (1 << 20) + 5, 11),
    b: pseudoRandomBytes(2 * (1 << 20), 12),
};
test('SIGTERM unmounts every mount and exits 0; the next start mounts them again', async (t) => {
    const registry = await startRegistry();
    t.teardown(() => registry.stop());
    const image = await publishImage(registry.host, 'life', [[{ type: 'file', path: 'a', data: FILES.a }, { type: 'file', path: 'b', data: FILES.b }]]);
    const daemon = await startDaemonProcess();
    t.teardown(() => daemon.cleanup());
    const mnt = join(daemon.mountRoot, 'one');
    const one = await daemon.client.mount({ reference: image.darnerRef, mountpoint: mnt, labels: { k: 'v' } });
    const two = await daemon.client.mount({ reference: image.darnerRef });
    t.true((await readFile(join(mnt, 'a'))).equals(FILES.a));
    t.is((await darnerMountsUnder(daemon.dir)).length, 2);
    await daemon.stop();
    t.is(daemon.exitCode, 0);
    t.deepEqual(await darnerMountsUnder(daemon.dir), [], 'nothing left mounted');
    await t.throwsAsync(access(daemon.socket), { code: 'ENOENT' }, 'the socket is removed');
    t.deepEqual(await readdir(mnt), [], 'the mount point is a plain empty directory');
    const again = await startDaemonProcess({ dir: daemon.dir });
    t.teardown(() => again.cleanup());
    const mounts = await again.client.listMounts();
    t.deepEqual(mounts.map((m) => m.id).sort(), [one.mount.id, two.mount.id].sort());
    t.deepEqual(mounts.find((m) => m.id === one.mount.id).labels, { k: 'v' });
    t.true((await readFile(join(mnt, 'b'))).equals(FILES.b));
    t.true((await readFile(join(two.mount.mountpoint, 'a'))).equals(FILES.a));
});
for (const mode of ['fuse', 'erofs']) {
    test(`${mode} mode: a killed daemon leaves dead mounts; the restarted daemon detaches them, mounts again and serves cached files without the origin`, async (t) => {
        // No fd keeper: this is the restart that cannot take over (test/daemon/failover.test.ts has the other).
        const config = `[fetch]\nsequential_read_ahead = 0\n[fuse]\nmode = "${mode}"\n[failover]\nkeeper = "off"`;
        const registry = await startRegistry();
        t.teardown(() => registry.stop());
        const proxy = await startCountingProxy(registry.host);
        t.teardown(() => proxy.stop());
        // a and b in separate layers (blobs): in erofs mode the kernel's readahead on a blob device
        // may run past the end of a into whatever is stored next (docs/daemon.md), which would fetch
        // part of b while a is read again below.
        const published = await publishImage(registry.host, 'crash', [[{ type: 'file', path: 'a', data: FILES.a }], [{ type: 'file', path: 'b', data: FILES.b }]]);
        const reference = published.darnerRef.replace(registry.host, proxy.host);
        // No sequential read-ahead: reading a would fetch b ahead of its read.
        const daemon = await startDaemonProcess({ configToml: config });
        t.teardown(() => daemon.cleanup());
        const mnt = join(daemon.mountRoot, 'crash');
        const { mount } = await daemon.client.mount({ reference, mountpoint: mnt });
        t.is(mount.mode, mode);
        t.true((await readFile(join(mnt, 'a'))).equals(FILES.a));
        t.true(proxy.bytesServed('blob') > 0);
        // Chunks are committed to the cache after the read they answered: wait for all four of a's.
        await eventually(async () => (await daemon.client.cacheList()).blobs.some((b) => b.id === mount.blobs[0] && b.readyChunks >= 4));
        await daemon.kill();
        if (mode === 'fuse') {
            await t.throwsAsync(readdir(mnt), { code: 'ENOTCONN' }, 'a dead FUSE mount');
            await t.throwsAsync(readFile(join(mnt, 'b')), { code: 'ENOTCONN' });
        }
        else {
            t.deepEqual((await readdir(mnt)).sort(), ['a', 'b'], 'the kernel still answers metadata');
            await t.throwsAsync(readFile(join(mnt, 'b')), { code: 'EIO' }, 'data behind dead blob devices');
            t.is((await deviceMountsUnder(daemon.dir)).length, 1);
        }
        t.deepEqual(await darnerMountsUnder(daemon.dir), [mnt]);
        proxy.reset();
        const again = await startDaemonProcess({ dir: daemon.dir, configToml: config });
        t.teardown(() => again.cleanup());
        t.deepEqual((await again.client.listMounts()).map((m) => m.id), [mount.id]);
        t.deepEqual(await darnerMountsUnder(daemon.dir), [mnt], 'one live mount, the dead one is gone');
        t.true((await readFile(join(mnt, 'a'))).equals(FILES.a));
        t.is(proxy.bytesServed('blob'), 0, 'a file read before the crash comes from the cache');
        t.true((await readFile(join(mnt, 'b'))).equals(FILES.b));
        t.true(proxy.bytesServed('blob') > 0, 'an unread file is fetched');
        t.regex(again.logs, mode === 'fuse' ? /detaching a FUSE mount left by an earlier daemon/ : /detaching a kernel EROFS mount left by an earlier daemon/);
        if (mode === 'erofs')
            t.is((await deviceMountsUnder(daemon.dir)).length, 1, 'the dead blob devices were replaced');
    });
}
//# sourceMappingURL=lifecycle.test.js.map