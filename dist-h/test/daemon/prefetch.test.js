/**
 * Prefetch at mount: the image's prefetch list (convert --prefetch-patterns) is fetched in the
 * background right after mounting, so reading those files later costs the origin nothing; a
 * mount with prefetchAll fetches every chunk of the image.
 */
import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startDaemonProcess } from '../harness/daemon.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { startCountingProxy, startRegistry } from '../harness/registry.js';
import { publishImage } from '../harness/rich-image.js';
const MiB = 1 << 20;
async function eventually(check) {
    const deadline = Date.now() + 60_000;
    while (!(await check())) {
        if (Date.now() > deadline)
            throw new Error('condition not reached within 60 s');
        await new Promise((r) => setTimeout(r, 100));
    }
}
test('the prefetch list is fetched at mount; prefetchAll fetches the whole image', async (t) => {
    const registry = await startRegistry();
    t.teardown(() => registry.stop());
    const hot = pseudoRandomBytes(2 * MiB, 51);
    const cold = pseudoRandomBytes(3 * MiB, 52);
    const image = await publishImage(registry.host, 'prefetch', 
    // Separate layers (blobs): in erofs mode the kernel's readahead on a blob device may run past
    // the end of hot.bin into what is stored next (docs/daemon.md), fetching part of cold.bin.
    [
        [
            { type: 'dir', path: 'app' },
            { type: 'file', path: 'app/hot.bin', data: hot },
        ],
        [{ type: 'file', path: 'app/cold.bin', data: cold }],
    ], { prefetchPatterns: ['/app/hot.bin'] });
    const proxy = await startCountingProxy(registry.host);
    t.teardown(() => proxy.stop());
    const reference = image.darnerRef.replace(registry.host, proxy.host);
    // No sequential read-ahead: reading hot.bin through would fetch cold.bin ahead of its read.
    const daemon = await startDaemonProcess({ configToml: '[fetch]\nsequential_read_ahead = 0' });
    t.teardown(() => daemon.cleanup());
    const mnt = join(daemon.mountRoot, 'p');
    const { mount } = await daemon.client.mount({ reference, mountpoint: mnt });
    const blob = mount.blobs[0];
    await eventually(async () => (await daemon.client.cacheList()).blobs.some((b) => b.id === blob && b.readyChunks >= 2));
    t.true((await daemon.metric('darner_fetch_fetched_bytes_total', { priority: 'prefetch' })) >= 2 * MiB);
    const before = proxy.bytesServed('blob');
    t.true((await readFile(join(mnt, 'app/hot.bin'))).equals(hot));
    t.is(proxy.bytesServed('blob'), before, 'the prefetched file costs the origin nothing');
    t.true((await readFile(join(mnt, 'app/cold.bin'))).equals(cold));
    t.true(proxy.bytesServed('blob') > before, 'the other file is fetched on demand');
    await daemon.client.unmount(mount.id);
    t.deepEqual((await daemon.client.cacheGc()).removed.sort(), [...mount.blobs].sort());
    // prefetchAll: every chunk arrives without a read.
    const whole = await daemon.client.mount({ reference, mountpoint: join(daemon.mountRoot, 'all'), prefetchAll: true });
    const readyOf = async (id) => (await daemon.client.cacheList()).blobs.find((b) => b.id === id)?.readyChunks ?? 0;
    await eventually(async () => (await readyOf(whole.mount.blobs[0])) === 2 && (await readyOf(whole.mount.blobs[1])) === 3);
    proxy.reset();
    t.true((await readFile(join(whole.mount.mountpoint, 'app/cold.bin'))).equals(cold));
    t.is(proxy.bytesServed('blob'), 0);
});
//# sourceMappingURL=prefetch.test.js.map