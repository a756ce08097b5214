/**
 * The whole read path (daemon → kernel EROFS over blob devices, or FUSE alone → fetch → cache →
 * registry) serves exactly the image, in both mount modes: the mounted tree of a converted
 * three-layer image equals its OCI layers applied, first from the origin and then again from the
 * cache after a daemon restart.
 */
import test from 'ava';
import { join } from 'node:path';
import { sourceImageTree } from '../../converter/check.js';
import { compareTrees, formatDifference } from '../../src/fstree/index.js';
import { startDaemonProcess } from '../harness/daemon.js';
import { startRegistry, startCountingProxy } from '../harness/registry.js';
import { publishRichImage } from '../harness/rich-image.js';
import { mountedTree } from '../fs/helpers/mounted.js';
for (const mode of ['erofs', 'fuse']) {
    test(`${mode} mode: a converted image read through the daemon equals its layers, from the origin and then from the cache`, async (t) => {
        const configToml = `[fuse]\nmode = "${mode}"`;
        const registry = await startRegistry();
        t.teardown(() => registry.stop());
        const proxy = await startCountingProxy(registry.host);
        t.teardown(() => proxy.stop());
        const image = await publishRichImage(registry.host);
        const darnerRef = image.darnerRef.replace(registry.host, proxy.host);
        const daemon = await startDaemonProcess({ configToml });
        t.teardown(() => daemon.cleanup());
        const mnt = join(daemon.mountRoot, 'rich');
        const { mount } = await daemon.client.mount({ reference: darnerRef, mountpoint: mnt });
        t.is(mount.mode, mode);
        const like = { chunkSize: 1 << 20, digestAlgorithm: 'blake3' }; // the converter's defaults
        const expected = await sourceImageTree(image.sourceRef, like, {});
        t.deepEqual(compareTrees(expected, await mountedTree(mnt, like)).map(formatDifference), []);
        const fromOrigin = proxy.bytesServed('blob');
        t.true(fromOrigin > 0);
        t.is(await daemon.metric('darner_fuse_read_errors_total'), 0);
        // Restart: the mount comes back by itself (mounts.json), and every byte now comes from the cache.
        await daemon.stop();
        t.is(daemon.exitCode, 0);
        const again = await startDaemonProcess({ dir: daemon.dir, configToml });
        t.teardown(() => again.cleanup());
        const mounts = await again.client.listMounts();
        t.deepEqual(mounts.map((m) => [m.id, m.mountpoint]), [[mount.id, mnt]]);
        proxy.reset();
        t.deepEqual(compareTrees(expected, await mountedTree(mnt, like)).map(formatDifference), []);
        t.is(proxy.bytesServed('blob'), 0, 'no blob byte from the origin after the restart');
    });
}
//# sourceMappingURL=tree.test.js.map