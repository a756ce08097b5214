/**
 * A real Nydus RAFS v6 image (made by nydusify / nydus-image v2.4, test/fixtures/nydus-v6), pushed
 * to a registry as nydusify published it, mounts lazily through the daemon in both modes and shows
 * exactly the tree the kernel mounts from it; a chunk altered in the registry reads as EIO.
 */
import test from 'ava';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startDaemonProcess } from '../harness/daemon.js';
import { startRegistry } from '../harness/registry.js';
import { NYDUS_BLOB_IDS, compareWithNydusExpected, pushNydusFixture } from '../harness/nydus-fixture.js';
import { loadImageBootstrap } from '../../src/image/bootstrap-layer.js';
for (const mode of ['erofs', 'fuse']) {
    test(`a Nydus RAFS v6 image mounts lazily in ${mode} mode and equals the tree the kernel mounts`, async (t) => {
        const registry = await startRegistry();
        t.teardown(() => registry.stop());
        const reference = await pushNydusFixture(registry.host, `nydus-${mode}`);
        const daemon = await startDaemonProcess({ configToml: `[fuse]\nmode = "${mode}"\n[prefetch]\nenabled = false` });
        t.teardown(() => daemon.cleanup());
        const mnt = join(daemon.mountRoot, 'nydus');
        const { mount } = await daemon.client.mount({ reference, mountpoint: mnt });
        t.is(mount.mode, mode);
        t.deepEqual([...mount.blobs].sort(), [...NYDUS_BLOB_IDS].sort());
        t.is(await daemon.metric('darner_fetch_origin_bytes_total'), 0, 'mounting fetched no data blob byte');
        t.deepEqual(compareWithNydusExpected(mnt), []);
        t.true((await daemon.metric('darner_fetch_origin_bytes_total')) > 0, 'reading the files fetched data');
    });
}
test('a raw-stored chunk of a Nydus blob altered in the registry reads as EIO (its blake3 digest refuses it); the other files still read', async (t) => {
    const registry = await startRegistry();
    t.teardown(() => registry.stop());
    const reference = await pushNydusFixture(registry.host, 'nydus-tampered');
    const loaded = await loadImageBootstrap(reference, {});
    await loaded.source.close();
    const bs = loaded.bootstrap;
    // random-64k.bin is stored raw: the altered bytes still "decode", only the blake3 digest that
    // Nydus recorded can refuse them.
    const nid = bs.lookup(bs.rootNid, 'random-64k.bin');
    const record = bs.chunk(bs.fileChunks(nid)[0]);
    t.is(record.flags, 0, 'the chunk is stored raw');
    const blobPath = registry.blobDataPath(`sha256:${bs.blobs[record.blobIndex].id}`);
    const at = record.compressedOffset + Math.floor(record.compressedSize / 2);
    const fh = await open(blobPath, 'r+');
    const byte = Buffer.alloc(1);
    await fh.read(byte, 0, 1, at);
    await fh.write(Buffer.from([byte[0] ^ 0x5a]), 0, 1, at);
    await fh.close();
    for (const mode of ['erofs', 'fuse']) {
        const daemon = await startDaemonProcess({ configToml: `[fuse]\nmode = "${mode}"\n[prefetch]\nenabled = false` });
        t.teardown(() => daemon.cleanup());
        const mnt = join(daemon.mountRoot, `tampered-${mode}`);
        t.is((await daemon.client.mount({ reference, mountpoint: mnt })).mount.mode, mode);
        await t.throwsAsync(readFile(join(mnt, 'random-64k.bin')), { code: 'EIO' }, `${mode}: the altered chunk is refused`);
        t.is((await readFile(join(mnt, 'one-mib.bin'))).length, 1 << 20, `${mode}: a file of the same blob reads`);
        t.is((await readFile(join(mnt, 'small.txt'), 'utf8')).length, 29, `${mode}: other files read`);
    }
});
//# sourceMappingURL=nydus-image.test.js.map