import test from 'ava';
import { mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { openBlobCache } from '../../src/cache/index.js';
import { CacheLockedError } from '../../src/errors.js';
import { syntheticBlob, verified } from './synthetic-blob.js';
const KiB = 1024;
async function tempDir(t) {
    const dir = await mkdtemp(join(tmpdir(), 'darner-cache-test-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    return dir;
}
async function openCache(t, dir, registry = new Registry()) {
    const cache = await openBlobCache({ dir, metrics: registry });
    t.teardown(() => cache.close());
    return cache;
}
async function metricValue(registry, name) {
    const m = await registry.getSingleMetric(name)?.get();
    return m?.values.reduce((s, v) => s + v.value, 0) ?? NaN;
}
test('write + commit makes chunks ready and readable; abort and an uncommitted batch leave them absent', async (t) => {
    const dir = await tempDir(t);
    const blob = syntheticBlob([64 * KiB, 100 * KiB, 4 * KiB, 5000]);
    const events = [];
    let cache = await openCache(t, dir);
    cache.onChange((e) => events.push(e));
    let lease = await cache.acquire(blob);
    const [c0, c1, c2, c3] = await verified(blob, [0, 1, 2, 3]);
    const w1 = lease.blob.add();
    await w1.write(c0);
    await w1.write(c1);
    t.false(lease.blob.isReady(0), 'not ready before commit');
    t.deepEqual(await w1.commit(), [blob.records[0].uncompressedOffset, blob.records[1].uncompressedOffset]);
    t.true(lease.blob.isReady(0));
    t.deepEqual(events, [{ type: 'ready', blobId: blob.id, offsets: [0, 64 * KiB] }]);
    const w2 = lease.blob.add();
    await w2.write(c2);
    w2.abort();
    await t.throwsAsync(() => w2.commit());
    t.false(lease.blob.isReady(blob.records[2].uncompressedOffset));
    const w3 = lease.blob.add();
    await w3.write(c3); // never committed: a crash between write and commit
    t.deepEqual(await lease.blob.readChunk(blob.records[1], 'blake3'), blob.data[1]);
    t.deepEqual(await lease.blob.readChunk(blob.records[1], 'blake3', 10, 20), blob.data[1].subarray(10, 30));
    t.is(await lease.blob.readChunk(blob.records[3], 'blake3'), undefined);
    await lease.release();
    await cache.close();
    cache = await openCache(t, dir);
    lease = await cache.acquire(blob);
    t.deepEqual(lease.blob.readyOffsets(), [0, 64 * KiB]);
    t.is(lease.blob.readyCount, 2);
    t.false(lease.blob.isReady(blob.records[3].uncompressedOffset), 'the uncommitted chunk is not ready after reopening');
    t.deepEqual(await lease.blob.readChunk(blob.records[0], 'blake3'), blob.data[0]);
    await lease.release();
});
test('only a VerifiedChunk of the same blob can be written', async (t) => {
    const dir = await tempDir(t);
    const a = syntheticBlob([8 * KiB], 1);
    const b = syntheticBlob([8 * KiB], 2);
    const cache = await openCache(t, dir);
    const lease = await cache.acquire(a);
    const w = lease.blob.add();
    const [real] = await verified(a, [0]);
    const forged = { ...real, record: real.record };
    await t.throwsAsync(() => w.write(forged), { instanceOf: TypeError });
    const [other] = await verified(b, [0]);
    await t.throwsAsync(() => w.write(other), { code: 'BAD_RANGE' });
    await lease.release();
});
test('a ready chunk with wrong bytes on disk is detected on its first read after a restart', async (t) => {
    const dir = await tempDir(t);
    const blob = syntheticBlob([32 * KiB, 32 * KiB]);
    let cache = await openCache(t, dir);
    let lease = await cache.acquire(blob);
    const w = lease.blob.add();
    for (const c of await verified(blob, [0, 1]))
        await w.write(c);
    await w.commit();
    await lease.release();
    await cache.close();
    // Flip one byte of chunk 1 in the data file.
    const file = await open(join(dir, 'blobs', blob.id, 'data'), 'r+');
    const at = blob.records[1].uncompressedOffset + 1000;
    const one = Buffer.alloc(1);
    await file.read(one, 0, 1, at);
    one[0] ^= 0xff;
    await file.write(one, 0, 1, at);
    await file.close();
    const registry = new Registry();
    cache = await openCache(t, dir, registry);
    const events = [];
    cache.onChange((e) => events.push(e));
    lease = await cache.acquire(blob);
    t.true(lease.blob.isReady(blob.records[1].uncompressedOffset), 'the bit survived the restart');
    t.deepEqual(await lease.blob.readChunk(blob.records[0], 'blake3', 0, 10), blob.data[0].subarray(0, 10));
    t.is(await lease.blob.readChunk(blob.records[1], 'blake3', 0, 10), undefined, 'detected on first read');
    t.false(lease.blob.isReady(blob.records[1].uncompressedOffset));
    t.is(await metricValue(registry, 'darner_cache_corrupt_chunks_total'), 1);
    t.deepEqual(events, [{ type: 'invalidated', blobId: blob.id, offsets: [blob.records[1].uncompressedOffset] }]);
    await lease.release();
    await cache.close();
    cache = await openCache(t, dir);
    lease = await cache.acquire(blob);
    t.deepEqual(lease.blob.readyOffsets(), [0], 'the cleared bit is on disk');
    await lease.release();
});
test('stored ranges are served only when every byte belongs to a ready chunk, and verified first', async (t) => {
    const dir = await tempDir(t);
    const blob = syntheticBlob([16 * KiB, 16 * KiB, 16 * KiB, 16 * KiB]);
    let cache = await openCache(t, dir);
    let lease = await cache.acquire(blob);
    const w = lease.blob.add();
    for (const c of await verified(blob, [0, 1, 3]))
        await w.write(c);
    await w.commit();
    const r = blob.records;
    const span01 = r[1].compressedOffset + r[1].compressedSize;
    t.deepEqual(await lease.blob.readStoredRange(0, span01), blob.stored.subarray(0, span01));
    t.deepEqual(await lease.blob.readStoredRange(5, 100), blob.stored.subarray(5, 105));
    t.is(await lease.blob.readStoredRange(0, span01 + 1), undefined, 'chunk 2 is absent');
    t.deepEqual(await lease.blob.readStoredRange(r[3].compressedOffset, r[3].compressedSize), blob.stored.subarray(r[3].compressedOffset));
    await lease.release();
    await cache.close();
    // Damage chunk 3's stored bytes: after a restart it is verified before serving, and dropped.
    const file = await open(join(dir, 'blobs', blob.id, 'stored'), 'r+');
    await file.write(Buffer.from('garbage'), 0, 7, r[3].compressedOffset + 3);
    await file.close();
    cache = await openCache(t, dir);
    lease = await cache.acquire(blob);
    t.deepEqual(await lease.blob.readStoredRange(0, 10), blob.stored.subarray(0, 10));
    t.is(await lease.blob.readStoredRange(r[3].compressedOffset, 10), undefined);
    t.false(lease.blob.isReady(r[3].uncompressedOffset));
    await lease.release();
});
test('gc removes only blobs no lease holds and keep does not name; usage and held chunks', async (t) => {
    const dir = await tempDir(t);
    const blobs = [syntheticBlob([8 * KiB], 1), syntheticBlob([8 * KiB, 8 * KiB], 2), syntheticBlob([8 * KiB], 3)];
    const cache = await openCache(t, dir);
    const removed = [];
    cache.onChange((e) => e.type === 'removed' && removed.push(e.blobId));
    const leases = [];
    for (const b of blobs) {
        const lease = await cache.acquire(b);
        const w = lease.blob.add();
        for (const c of await verified(b, b.records.map((_, i) => i)))
            await w.write(c);
        await w.commit();
        leases.push(lease);
    }
    const usage = await cache.usage();
    t.is(usage.length, 3);
    const u1 = usage.find((u) => u.id === blobs[1].id);
    t.is(u1.readyChunks, 2);
    t.is(u1.references, 1);
    t.true(u1.dataAllocatedBytes >= 16 * KiB, `data allocates ${u1.dataAllocatedBytes}`);
    t.true(u1.storedAllocatedBytes > 0);
    t.true(u1.lastUse.getTime() > Date.now() - 60_000);
    await leases[0].release();
    await leases[1].release();
    const second = leases[2].retain();
    await leases[2].release(); // `second` still holds blob 2
    await writeFile(join(dir, 'blobs', 'not-a-blob'), 'x');
    const result = await cache.gc({ keep: [blobs[1].id] });
    t.deepEqual(result.removed, [blobs[0].id]);
    t.true(result.freedBytes > 0);
    t.deepEqual(removed, [blobs[0].id]);
    await t.throwsAsync(() => stat(join(dir, 'blobs', 'not-a-blob')));
    const held = [];
    for await (const h of cache.heldChunks())
        held.push(h);
    t.deepEqual(held.sort((a, b) => a.blobId.localeCompare(b.blobId)), [
        { blobId: blobs[1].id, offsets: [0, 8 * KiB] },
        { blobId: blobs[2].id, offsets: [0] },
    ].sort((a, b) => a.blobId.localeCompare(b.blobId)));
    await second.release();
    t.deepEqual((await cache.gc()).removed.sort(), [blobs[1].id, blobs[2].id].sort());
    t.deepEqual(await cache.usage(), []);
});
test('a concurrent acquire and gc never delete the blob being acquired', async (t) => {
    const dir = await tempDir(t);
    const blob = syntheticBlob([8 * KiB]);
    const cache = await openCache(t, dir);
    // A previous run left the blob, with a ready chunk, unreferenced.
    let lease = await cache.acquire(blob);
    const w = lease.blob.add();
    for (const c of await verified(blob, [0]))
        await w.write(c);
    await w.commit();
    await lease.release();
    const [acquired, gc] = await Promise.all([cache.acquire(blob), cache.gc()]);
    lease = acquired;
    t.deepEqual(gc.removed, [], 'acquire won the lock first');
    t.deepEqual(await lease.blob.readChunk(blob.records[0], 'blake3'), blob.data[0]);
    await lease.release();
    // The other order: gc first, then the acquire recreates empty files.
    const [gc2, again] = await Promise.all([cache.gc(), cache.acquire(blob)]);
    t.deepEqual(gc2.removed, [blob.id]);
    t.is(again.blob.readyCount, 0);
    t.is(await again.blob.readChunk(blob.records[0], 'blake3'), undefined);
    await again.release();
});
test('one process per cache directory; a dead owner\'s lock is taken over', async (t) => {
    const dir = await tempDir(t);
    const cache = await openCache(t, dir);
    await t.throwsAsync(() => openBlobCache({ dir }), { instanceOf: CacheLockedError });
    await cache.close();
    // pid 2^22 + 1 is above Linux's pid_max default, so no process has it.
    await writeFile(join(dir, 'lock'), `${2 ** 22 + 1}\n`);
    const again = await openCache(t, dir);
    t.is((await readFile(join(dir, 'lock'), 'utf8')).split(' ')[0], String(process.pid), 'the lock names its owner (and its start time)');
    await again.close();
});
test('cache files that do not match the blob are discarded', async (t) => {
    const dir = await tempDir(t);
    const blob = syntheticBlob([8 * KiB]);
    let cache = await openCache(t, dir);
    let lease = await cache.acquire(blob);
    const w = lease.blob.add();
    for (const c of await verified(blob, [0]))
        await w.write(c);
    await w.commit();
    await lease.release();
    await cache.close();
    // A ready file whose header is damaged.
    const file = await open(join(dir, 'blobs', blob.id, 'ready'), 'r+');
    await file.write(Buffer.from('X'), 0, 1, 0);
    await file.close();
    cache = await openCache(t, dir);
    lease = await cache.acquire(blob);
    t.is(lease.blob.readyCount, 0);
    await lease.release();
    await t.throwsAsync(() => cache.acquire({ id: 'nothex', compressedSize: 1, uncompressedSize: 1 }), { code: 'INVALID_ARGUMENT' });
});
test('writeAll: neighbours go to disk in runs, alignment gaps zero-filled, a chunk between runs untouched', async (t) => {
    const dir = await tempDir(t);
    // Sizes off the block size, so the uncompressed space has alignment gaps between chunks.
    const blob = syntheticBlob([5000, 70 * KiB + 3, 4 * KiB, 9000, 12 * KiB + 1, 3000]);
    const cache = await openCache(t, dir);
    const lease = await cache.acquire(blob);
    t.teardown(() => lease.release());
    // Chunk 3 first, alone: the batch below must write around it, in both spaces.
    const [c3] = await verified(blob, [3]);
    const w0 = lease.blob.add();
    await w0.write(c3);
    await w0.commit();
    const batch = await verified(blob, [5, 0, 2, 1, 4]); // any order
    const w = lease.blob.add();
    await w.writeAll(batch);
    t.false(lease.blob.isReady(0), 'not ready before commit');
    t.deepEqual((await w.commit()).sort((a, b) => a - b), [0, 1, 2, 4, 5].map((i) => blob.records[i].uncompressedOffset));
    for (const [i, r] of blob.records.entries()) {
        t.deepEqual(await lease.blob.readChunk(r, 'blake3'), blob.data[i], `chunk ${i}`);
    }
    t.deepEqual(await lease.blob.readStoredRange(0, blob.compressedSize), blob.stored, 'the stored file holds the blob');
    const data = await readFile(join(dir, 'blobs', blob.id, 'data'));
    for (const [i, r] of blob.records.entries()) {
        t.true(data.subarray(r.uncompressedOffset, r.uncompressedOffset + r.uncompressedSize).equals(blob.data[i]), `data of chunk ${i} in place`);
    }
    const w2 = lease.blob.add();
    w2.abort();
    await t.throwsAsync(() => w2.writeAll(batch), { code: 'FAILED_PRECONDITION' });
});
test('remove deletes the named blobs no lease holds, and only those', async (t) => {
    const dir = await tempDir(t);
    const blobs = [syntheticBlob([8 * KiB], 1), syntheticBlob([8 * KiB], 2), syntheticBlob([8 * KiB], 3)];
    const cache = await openCache(t, dir);
    const removed = [];
    cache.onChange((e) => e.type === 'removed' && removed.push(e.blobId));
    const leases = [];
    for (const b of blobs) {
        const lease = await cache.acquire(b);
        const w = lease.blob.add();
        await w.writeAll(await verified(b, [0]));
        await w.commit();
        leases.push(lease);
    }
    await leases[0].release();
    await leases[2].release();
    // Blob 1 is leased (a mount reads it): named, but kept. Blob 2 is free but not named.
    const result = await cache.remove([blobs[0].id, blobs[1].id, 'f'.repeat(64), '../escape']);
    t.deepEqual(result.removed, [blobs[0].id]);
    t.true(result.freedBytes >= 8 * KiB);
    t.deepEqual(removed, [blobs[0].id]);
    t.deepEqual((await cache.usage()).map((u) => u.id).sort(), [blobs[1].id, blobs[2].id].sort());
    t.true((await leases[1].blob.readChunk(blobs[1].records[0], 'blake3')).equals(blobs[1].data[0]));
});
test('without keepStored no stored mirror or chunk log is written, and one left by an earlier run goes', async (t) => {
    const dir = await tempDir(t);
    const blob = syntheticBlob([16 * KiB, 8 * KiB]);
    const files = async () => (await readdir(join(dir, 'blobs', blob.id))).sort();
    const withMirror = await openBlobCache({ dir, keepStored: true });
    let lease = await withMirror.acquire(blob);
    let w = lease.blob.add();
    await w.writeAll(await verified(blob, [0]));
    await w.commit();
    await lease.release();
    await withMirror.close();
    t.deepEqual(await files(), ['chunks', 'data', 'ready', 'stored', 'used']);
    const plain = await openBlobCache({ dir, keepStored: false });
    t.teardown(() => plain.close());
    lease = await plain.acquire(blob);
    t.deepEqual(await files(), ['data', 'ready', 'used'], 'the earlier mirror is gone');
    w = lease.blob.add();
    await w.writeAll(await verified(blob, [1]));
    await w.commit();
    t.deepEqual(await files(), ['data', 'ready', 'used'], 'and no new one is written');
    t.is(await lease.blob.readStoredRange(0, 1), undefined, 'nothing to serve a peer');
    t.true((await lease.blob.readChunk(blob.records[0], 'blake3')).equals(blob.data[0]), 'the data from before is still there');
    const usage = (await plain.usage())[0];
    t.is(usage.storedAllocatedBytes, 0);
    await lease.release();
});
//# sourceMappingURL=blob-cache.test.js.map