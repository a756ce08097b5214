/**
 * Mount modes: auto falls back to FUSE alone when the kernel EROFS mount cannot be made, and
 * says so in the log; erofs mode fails the mount with the reason instead. The kernel mount is made
 * impossible here by a state directory so deep that the blob devices' paths overflow the one page
 * mount(2) takes for options.
 */
import test from 'ava';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemonProcess } from '../harness/daemon.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { startRegistry } from '../harness/registry.js';
import { publishImage } from '../harness/rich-image.js';
const A = pseudoRandomBytes(300_000, 21);
const B = pseudoRandomBytes(200_000, 22);
async function deepStateDir(t) {
    const dir = await mkdtemp(join(tmpdir(), 'darner-modes-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    // 12 levels of 200 characters: each blob device path is longer than 2,400 bytes, two of them
    // do not fit in a 4,096-byte option page.
    const state = join(dir, ...Array.from({ length: 12 }, (_, i) => `${i}`.padEnd(200, 'd')));
    await mkdir(state, { recursive: true });
    return { dir, state };
}
for (const mode of ['auto', 'erofs']) {
    test(`${mode} mode, when the kernel mount cannot be made: ${mode === 'auto' ? 'mounts with FUSE alone' : 'the mount fails with the reason'}`, async (t) => {
        const registry = await startRegistry();
        t.teardown(() => registry.stop());
        const image = await publishImage(registry.host, 'modes', [[{ type: 'file', path: 'a', data: A }], [{ type: 'file', path: 'b', data: B }]]);
        const { dir, state } = await deepStateDir(t);
        const daemon = await startDaemonProcess({ dir, args: ['--state', state], configToml: `[fuse]\nmode = "${mode}"` });
        t.teardown(() => daemon.cleanup());
        const mnt = join(daemon.mountRoot, 'm');
        if (mode === 'auto') {
            const { mount } = await daemon.client.mount({ reference: image.darnerRef, mountpoint: mnt });
            t.is(mount.mode, 'fuse');
            t.is(mount.blobs.length, 2);
            t.true((await readFile(join(mnt, 'a'))).equals(A));
            t.true((await readFile(join(mnt, 'b'))).equals(B));
            t.regex(daemon.logs, /kernel EROFS mount refused; mounting with FUSE/);
            t.regex(daemon.logs, /do not fit in one mount option page/);
        }
        else {
            const err = await t.throwsAsync(daemon.client.mount({ reference: image.darnerRef, mountpoint: mnt }));
            t.is(err?.code, 'MOUNT_FAILED');
            t.regex(err?.message ?? '', /2 blob devices do not fit in one mount option page/);
            t.deepEqual(await daemon.client.listMounts(), []);
        }
    });
}
//# sourceMappingURL=modes.test.js.map