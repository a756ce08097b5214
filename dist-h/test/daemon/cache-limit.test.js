/**
 * The bounded blob cache, against a real daemon, registry and mounts: eviction of the least
 * recently used blobs that no mount reads once the cache is above cache.max_size, never of a blob
 * a mount reads (even when only those are left above the limit), with every file read checked by
 * sha256; the compressed `stored` mirror kept only with P2P on; `cache ls` sizes that add up;
 * and a gc that drops the in-memory chunks of the blobs it removed (a read after it is fetched
 * from the registry again, counted there).
 */
import test from 'ava';
import { createHash } from 'node:crypto';
import { access, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startDaemonProcess } from '../harness/daemon.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { startCountingProxy, startRegistry } from '../harness/registry.js';
import { publishImage } from '../harness/rich-image.js';
const MiB = 1 << 20;
const sha256 = (b) => createHash('sha256').update(b).digest('hex');
function dataBlobsOf(image) {
    return image.summary.manifest.layers
        .filter((l) => l.annotations?.['containerd.io/snapshot/darner-blob'] === 'true')
        .map((l) => l.digest.replace(/^sha256:/, ''));
}
async function publish(registryHost, proxyHost, name, size, seed) {
    const file = pseudoRandomBytes(size, seed);
    const image = await publishImage(registryHost, name, [[{ type: 'file', path: 'data.bin', data: file }]]);
    const blobs = dataBlobsOf(image);
    if (blobs.length !== 1)
        throw new Error(`${name}: ${blobs.length} data blobs`);
    return { name, reference: image.darnerRef.replace(registryHost, proxyHost), blob: blobs[0], file };
}
async function mountAndRead(daemon, image, where = image.name) {
    const mountpoint = join(daemon.mountRoot, where);
    const { mount } = await daemon.client.mount({ reference: image.reference, mountpoint });
    const got = await readFile(join(mountpoint, 'data.bin'));
    if (sha256(got) !== sha256(image.file))
        throw new Error(`${image.name}: wrong bytes read`);
    return { id: mount.id, mountpoint };
}
async function cachedIds(daemon) {
    return (await daemon.client.cacheList()).blobs.map((b) => b.id).sort();
}
/** Polls until `ok` holds (a pass runs after commits, asynchronously); throws with `what` after 60 s. */
async function until(what, ok) {
    for (let i = 0; i < 600; i++) {
        if (await ok())
            return;
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`never: ${what}`);
}
async function quiet(daemon) {
    await until('fetches done', async () => (await daemon.metric('darner_fetch_in_flight')) + (await daemon.metric('darner_fetch_queued')) === 0);
}
async function startStack(t) {
    const registry = await startRegistry();
    t.teardown(() => registry.stop());
    const proxy = await startCountingProxy(registry.host);
    t.teardown(() => proxy.stop());
    return { registryHost: registry.host, proxy };
}
test('above cache.max_size the least recently used unmounted blobs are evicted, mounted ones never; bytes correct throughout', async (t) => {
    const { registryHost, proxy } = await startStack(t);
    // Five images of one 4 MiB blob each (incompressible: the data file takes 4 MiB); the limit holds two.
    const images = [];
    for (const [i, name] of ['a', 'b', 'c', 'd', 'e'].entries())
        images.push(await publish(registryHost, proxy.host, `evict-${name}`, 4 * MiB, 100 + i));
    const [a, b, c, d, e] = images;
    const daemon = await startDaemonProcess({ args: ['--cache-max-size', '10M'] });
    t.teardown(() => daemon.cleanup());
    t.is((await daemon.client.cacheList()).maxBytes, 10 * MiB);
    t.is(await daemon.metric('darner_cache_max_size_bytes'), 10 * MiB);
    const ma = await mountAndRead(daemon, a);
    const mb = await mountAndRead(daemon, b);
    await quiet(daemon);
    t.deepEqual(await cachedIds(daemon), [a.blob, b.blob].sort(), 'two blobs fit');
    // a is used before b: once both are unmounted, a is the least recently used.
    await daemon.client.unmount(ma.id);
    await daemon.client.unmount(mb.id);
    // A third blob takes the cache over the limit: a goes, b (used later) stays.
    const mc = await mountAndRead(daemon, c);
    await until('a evicted', async () => !(await cachedIds(daemon)).includes(a.blob));
    t.deepEqual(await cachedIds(daemon), [b.blob, c.blob].sort());
    t.is(await daemon.metric('darner_cache_evicted_blobs_total'), 1);
    t.true((await daemon.metric('darner_cache_evicted_bytes_total')) >= 4 * MiB);
    // A fourth while c is mounted and read again: b is the only unmounted blob and goes; c stays.
    const readsOfC = Array.from({ length: 4 }, () => readFile(join(mc.mountpoint, 'data.bin')));
    const md = await mountAndRead(daemon, d);
    for (const got of await Promise.all(readsOfC))
        t.is(sha256(got), sha256(c.file));
    await until('b evicted', async () => !(await cachedIds(daemon)).includes(b.blob));
    t.deepEqual(await cachedIds(daemon), [c.blob, d.blob].sort());
    // A fifth with c and d mounted: all three are in use, so the cache stays above the limit.
    const me = await mountAndRead(daemon, e);
    await quiet(daemon);
    await until('the pass that found only blobs in use', async () => daemon.logs.includes('above cache.max_size with only blobs in use left'));
    const listing = await daemon.client.cacheList();
    t.deepEqual(listing.blobs.map((x) => x.id).sort(), [c.blob, d.blob, e.blob].sort());
    t.true(listing.totalBytes > 10 * MiB, `${listing.totalBytes} bytes, all in use`);
    t.true(listing.blobs.every((x) => x.referenced && x.readyChunks > 0));
    t.is(await daemon.metric('darner_cache_evicted_blobs_total'), 2);
    for (const [m, image] of [[mc, c], [md, d], [me, e]])
        t.is(sha256(await readFile(join(m.mountpoint, 'data.bin'))), sha256(image.file));
    // An evicted image mounted again is fetched from the registry again, and reads right.
    const isA = (r) => r.kind === 'blob' && r.path.endsWith(`/blobs/sha256:${a.blob}`);
    const before = proxy.bytesServed(isA);
    await mountAndRead(daemon, a, 'a-again');
    t.true(proxy.bytesServed(isA) >= before + 4 * MiB, 'a came from the registry again');
});
test('the stored mirror only with P2P on; cache ls sizes add up and CACHED never exceeds SIZE', async (t) => {
    const { registryHost, proxy } = await startStack(t);
    // Compressible: the stored (zstd) bytes are far fewer than the data bytes.
    const text = Buffer.from(Array.from({ length: 40_000 }, (_, i) => `line ${i} of a text file that compresses well\n`).join(''));
    const image = await publishImage(registryHost, 'mirror', [[{ type: 'file', path: 'data.bin', data: text }]]);
    const test = { name: 'mirror', reference: image.darnerRef.replace(registryHost, proxy.host), blob: dataBlobsOf(image)[0], file: text };
    const storedPath = (d) => join(d.cacheDir, 'blobs', test.blob, 'stored');
    const exists = (p) => access(p).then(() => true, () => false);
    const off = await startDaemonProcess();
    t.teardown(() => off.cleanup());
    await mountAndRead(off, test);
    await quiet(off);
    t.false(await exists(storedPath(off)), 'P2P off: no stored mirror');
    t.deepEqual((await readdir(join(off.cacheDir, 'blobs', test.blob))).sort(), ['data', 'ready', 'used']);
    const listing = await off.client.cacheList();
    for (const b of listing.blobs) {
        t.true(b.cachedBytes <= b.uncompressedSize, `${b.cachedBytes} cached of ${b.uncompressedSize}`);
        t.true(b.cachedBytes > 0 && b.diskBytes >= b.cachedBytes);
    }
    t.is(listing.totalBytes, listing.blobs.reduce((n, b) => n + b.diskBytes, 0));
    t.log(`P2P off: ${listing.blobs.map((b) => `${b.uncompressedSize} bytes, ${b.cachedBytes} cached, ${b.diskBytes} on disk`).join('; ')}`);
    await off.stop();
    // P2P on (a scheduler address nobody answers is enough for the peer to run): the mirror is kept.
    const on = await startDaemonProcess({ dir: off.dir, args: ['--scheduler', '127.0.0.1:9', '--peer-insecure', '--peer-listen', '127.0.0.1:0'] });
    t.teardown(() => on.cleanup());
    // The restored mount reads nothing new: a second mount of another image fills the mirror.
    const other = await publishImage(registryHost, 'mirror-2', [[{ type: 'file', path: 'data.bin', data: Buffer.concat([text, text]) }]]);
    const otherImage = { name: 'mirror-2', reference: other.darnerRef.replace(registryHost, proxy.host), blob: dataBlobsOf(other)[0], file: Buffer.concat([text, text]) };
    await mountAndRead(on, otherImage);
    await quiet(on);
    t.true(await exists(join(on.cacheDir, 'blobs', otherImage.blob, 'stored')), 'P2P on: the stored mirror is there');
    const withMirror = (await on.client.cacheList()).blobs.find((b) => b.id === otherImage.blob);
    t.true(withMirror.cachedBytes <= withMirror.uncompressedSize);
    t.true(withMirror.diskBytes > withMirror.cachedBytes, 'ON DISK counts the mirror, CACHED does not');
    t.log(`P2P on: ${withMirror.uncompressedSize} bytes, ${withMirror.cachedBytes} cached, ${withMirror.diskBytes} on disk`);
});
test('cache gc drops the in-memory chunks of the blobs it removes: a read after it is fetched again', async (t) => {
    const { registryHost, proxy } = await startStack(t);
    const image = await publish(registryHost, proxy.host, 'gc-memory', 300 * 1024, 7);
    const isData = (r) => r.kind === 'blob' && r.path.endsWith(`/blobs/sha256:${image.blob}`);
    const daemon = await startDaemonProcess();
    t.teardown(() => daemon.cleanup());
    const first = await mountAndRead(daemon, image);
    await quiet(daemon);
    const fetched = proxy.bytesServed(isData);
    t.true(fetched > 0);
    await daemon.client.unmount(first.id);
    const gc = await daemon.client.cacheGc([]);
    t.deepEqual(gc.removed, [image.blob]);
    // Mounted again (a new mount: no page cache), the blob is gone from disk and from memory.
    await mountAndRead(daemon, image, 'gc-memory-again');
    await quiet(daemon);
    t.true(proxy.bytesServed(isData) >= 2 * fetched, `the origin served ${proxy.bytesServed(isData)} bytes, ${fetched} the first time`);
});
//# sourceMappingURL=cache-limit.test.js.map