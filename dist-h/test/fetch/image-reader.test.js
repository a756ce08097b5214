import test from 'ava';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { HOLE } from '../../src/format/model.js';
import { readFileRange } from '../harness/files.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { beforeAllFixture, blobRanges, fetchesIdle, makeEngine, metric } from './fixture.js';
const KiB = 1024;
const CHUNK = 64 * KiB;
function text(size, seed) {
    return Buffer.alloc(size, `line ${seed}: the quick brown fox jumps over the lazy dog\n`);
}
const holes = Buffer.concat([pseudoRandomBytes(CHUNK, 11), Buffer.alloc(CHUNK), pseudoRandomBytes(CHUNK, 12), Buffer.alloc(CHUNK), pseudoRandomBytes(1000, 13)]);
const FILES = {
    empty: Buffer.alloc(0),
    one: Buffer.from('x'),
    small: pseudoRandomBytes(4095, 1),
    block: pseudoRandomBytes(4096, 2),
    blockplus: pseudoRandomBytes(4097, 3),
    chunk: pseudoRandomBytes(CHUNK, 4),
    chunkplus: pseudoRandomBytes(CHUNK + 1, 5),
    text: text(300 * KiB, 6),
    random: pseudoRandomBytes(500_000, 7),
    holes,
    'dir/nested': pseudoRandomBytes(200 * KiB, 8),
    big: Buffer.concat([pseudoRandomBytes(1024 * KiB, 9), text(1024 * KiB, 10)]),
};
let fixture;
beforeAllFixture(FILES, { chunkSize: CHUNK }, (f) => (fixture = f));
test.serial('reads return the source bytes: many sizes and offsets, zero chunks, files spanning chunks, past the end', async (t) => {
    const { fetcher } = await makeEngine(t);
    const reader = await fetcher.openImage({ bootstrap: fixture.bootstrap, origin: fixture.source.blobReader(), name: 'test' });
    t.teardown(() => reader.close());
    // All-zero chunks are stored (deduplicated) rather than left as holes, so Nydus can read them too.
    const zeroChunks = fixture.bootstrap.fileChunks(fixture.nid('/holes'));
    t.false(zeroChunks.includes(HOLE), 'no holes are written');
    t.is(zeroChunks[1], zeroChunks[3], 'the two zero chunks are one stored chunk');
    for (const [path, data] of fixture.files) {
        const nid = fixture.nid(path);
        const size = data.length;
        const cases = [
            [0, size],
            [0, 1],
            [Math.max(0, size - 1), 1],
            [Math.floor(size / 3), Math.floor(size / 2)],
            [CHUNK - 10, 20],
            [CHUNK, CHUNK * 2 + 7],
            [Math.max(0, size - 100), 1000], // runs past the end: short
            [size, 10], // at the end: nothing
            [size + 5000, 10],
            [4095, 4097],
        ];
        for (const [offset, length] of cases) {
            const got = await reader.read(nid, offset, length);
            const want = data.subarray(Math.min(offset, size), Math.min(size, offset + length));
            t.true(got.equals(want), `${path} ${offset}+${length}: ${got.length} bytes, want ${want.length}`);
        }
    }
});
test.serial('a second read of the same data fetches nothing; reads after a restart use the cache', async (t) => {
    const engine = await makeEngine(t);
    let reader = await engine.fetcher.openImage({ bootstrap: fixture.bootstrap, origin: fixture.source.blobReader() });
    fixture.proxy.reset();
    const nid = fixture.nid('/random');
    t.true((await reader.read(nid, 0, 500_000)).equals(FILES.random), 'first read');
    // The read is answered as soon as its chunks arrive; the rest of the request (read-ahead) may
    // still be on its way.
    await fetchesIdle(engine.metrics);
    const first = fixture.proxy.bytesServed('blob');
    t.true(first > 0, `fetched ${first}`);
    t.true((await reader.read(nid, 1000, 200_000)).equals(FILES.random.subarray(1000, 201_000)), 'second read');
    t.is(fixture.proxy.bytesServed('blob'), first, 'nothing fetched again');
    await reader.close();
    await engine.fetcher.close();
    await engine.cache.close();
    const again = await makeEngine(t, {}, engine.cacheDir);
    reader = await again.fetcher.openImage({ bootstrap: fixture.bootstrap, origin: fixture.source.blobReader() });
    t.teardown(() => reader.close());
    t.true((await reader.read(nid, 0, 500_000)).equals(FILES.random), 'read after restart');
    t.is(fixture.proxy.bytesServed('blob'), first, 'the cache survived the restart');
    t.is(await metric(again.metrics, 'darner_fetch_cache_hit_bytes_total'), 500_000);
});
test.serial('16 concurrent readers of overlapping ranges get the right bytes and each chunk is fetched once', async (t) => {
    const { fetcher, metrics } = await makeEngine(t, { maxConcurrentFetches: 3 });
    const reader = await fetcher.openImage({ bootstrap: fixture.bootstrap, origin: fixture.source.blobReader() });
    t.teardown(() => reader.close());
    fixture.proxy.reset();
    const nid = fixture.nid('/big');
    const data = FILES.big;
    const reads = Array.from({ length: 16 }, (_, i) => {
        const offset = (i * 97 * KiB) % (data.length - 300 * KiB);
        const length = 300 * KiB + i * 1000;
        return reader.read(nid, offset, length).then((got) => got.equals(data.subarray(offset, offset + length)));
    });
    t.deepEqual(await Promise.all(reads), Array(16).fill(true));
    const ranges = blobRanges(fixture.proxy).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < ranges.length; i++)
        t.true(ranges[i][0] >= ranges[i - 1][1], `range ${ranges[i]} overlaps ${ranges[i - 1]}`);
    const requested = ranges.reduce((s, [a, b]) => s + b - a, 0);
    t.is(fixture.proxy.bytesServed('blob'), requested);
    t.is(await metric(metrics, 'darner_fetch_origin_bytes_total'), requested);
    t.is(await metric(metrics, 'darner_fetch_verify_failures_total'), 0);
});
test.serial('a ready chunk corrupted on disk is detected on its first read after a restart and fetched again', async (t) => {
    const engine = await makeEngine(t);
    let reader = await engine.fetcher.openImage({ bootstrap: fixture.bootstrap, origin: fixture.source.blobReader() });
    const nid = fixture.nid('/dir/nested');
    t.true((await reader.read(nid, 0, 200 * KiB)).equals(FILES['dir/nested']));
    await reader.close();
    await engine.fetcher.close();
    await engine.cache.close();
    const record = fixture.bootstrap.chunk(fixture.bootstrap.fileChunks(nid)[1]);
    const blobId = fixture.bootstrap.blobs[record.blobIndex].id;
    const file = await open(join(engine.cacheDir, 'blobs', blobId, 'data'), 'r+');
    await file.write(Buffer.from('corrupt'), 0, 7, record.uncompressedOffset + 100);
    await file.close();
    const again = await makeEngine(t, {}, engine.cacheDir);
    reader = await again.fetcher.openImage({ bootstrap: fixture.bootstrap, origin: fixture.source.blobReader() });
    t.teardown(() => reader.close());
    fixture.proxy.reset();
    t.true((await reader.read(nid, 0, 200 * KiB)).equals(FILES['dir/nested']), 'the right bytes, not the corrupt ones');
    t.is(await metric(again.metrics, 'darner_cache_corrupt_chunks_total'), 1);
    const ranges = blobRanges(fixture.proxy);
    t.true(ranges.some(([a, b]) => a <= record.compressedOffset && b >= record.compressedOffset + record.compressedSize), 'the chunk was fetched again');
    // And it is good on disk again: a third start reads it without fetching.
    fixture.proxy.reset();
    t.true((await reader.read(nid, CHUNK, 10)).equals(FILES['dir/nested'].subarray(CHUNK, CHUNK + 10)));
    t.is(fixture.proxy.bytesServed('blob'), 0);
});
test.serial('bad arguments and non-files are typed errors', async (t) => {
    const { fetcher } = await makeEngine(t);
    const reader = await fetcher.openImage({ bootstrap: fixture.bootstrap, origin: fixture.source.blobReader() });
    await t.throwsAsync(() => reader.read(fixture.nid('/dir'), 0, 10), { code: 'INVALID_ARGUMENT' });
    await t.throwsAsync(() => reader.read(fixture.nid('/one'), -1, 10), { code: 'INVALID_ARGUMENT' });
    t.is((await reader.read(fixture.nid('/empty'), 0, 10)).length, 0);
    const controller = new AbortController();
    controller.abort();
    await t.throwsAsync(() => reader.read(fixture.nid('/one'), 0, 1, controller.signal), { code: 'ABORTED' });
    await reader.close();
    await t.throwsAsync(() => reader.read(fixture.nid('/one'), 0, 1), { code: 'ABORTED' });
});
test.serial('readBlob serves the blob address space: chunk bytes at their offsets, zeros between, verified and cached', async (t) => {
    const { fetcher } = await makeEngine(t);
    const reader = await fetcher.openImage({ bootstrap: fixture.bootstrap, origin: fixture.source.blobReader(), name: 'test' });
    t.teardown(() => reader.close());
    const { bootstrap } = fixture;
    // The expected space, from the files: chunk slot i of a file holds its bytes [i*CHUNK, ...).
    const spaces = bootstrap.blobs.map((b) => Buffer.alloc(b.uncompressedSize));
    for (const [path, data] of fixture.files) {
        bootstrap.fileChunks(fixture.nid(path)).forEach((slot, i) => {
            if (slot === HOLE)
                return;
            const r = bootstrap.chunk(slot);
            data.copy(spaces[r.blobIndex], r.uncompressedOffset, i * CHUNK, i * CHUNK + r.uncompressedSize);
        });
    }
    for (const [b, space] of spaces.entries()) {
        const size = space.length;
        const cases = [
            [0, size],
            [0, 1],
            [4095, 4097],
            [CHUNK - 10, CHUNK + 20],
            [Math.floor(size / 3), 131072],
            [Math.max(0, size - 100), 1000],
            [size, 10],
        ];
        for (const [offset, length] of cases) {
            const got = await reader.readBlob(b, offset, length);
            const want = space.subarray(Math.min(offset, size), Math.min(size, offset + length));
            t.true(got.equals(want), `blob ${b} ${offset}+${length}: ${got.length} bytes, want ${want.length}`);
        }
    }
    await t.throwsAsync(reader.readBlob(bootstrap.blobs.length, 0, 10), { code: 'INVALID_ARGUMENT' });
    await t.throwsAsync(reader.readBlob(0, -1, 10), { code: 'INVALID_ARGUMENT' });
});
test.serial('verified extents: none before a read; a read stores and verifies its chunks; watchers hear of stored chunks; the cache file holds them', async (t) => {
    const { fetcher } = await makeEngine(t);
    const reader = await fetcher.openImage({ bootstrap: fixture.bootstrap, origin: fixture.source.blobReader(), name: 'test' });
    t.teardown(() => reader.close());
    const nid = fixture.nid('/random');
    const chunks = fixture.bootstrap.fileChunks(nid).map((slot) => fixture.bootstrap.chunk(slot));
    const blob = chunks[0].blobIndex;
    const first = chunks[0];
    const last = chunks.at(-1);
    const [start, end] = [first.uncompressedOffset, last.uncompressedOffset + last.uncompressedSize];
    t.deepEqual(reader.verifiedIn(blob, start, end), [], 'nothing cached yet');
    const heard = [];
    const stop = reader.watchVerified(blob, (s, e, v) => heard.push([s, e, v]));
    t.deepEqual(heard, [], 'nothing verified at the start');
    t.true((await reader.read(nid, 0, FILES.random.length)).equals(FILES.random));
    await waitStored(fixture, reader, blob, chunks.length);
    const extents = reader.verifiedIn(blob, start, end);
    t.deepEqual(extents, chunks.map((c) => [c.uncompressedOffset, c.uncompressedOffset + c.uncompressedSize]));
    // The cache tells watchers after it has also written its bitmap, a moment after verifiedIn sees them.
    const heardOf = (c) => heard.some(([s, e, v]) => v && s === c.uncompressedOffset && e === c.uncompressedOffset + c.uncompressedSize);
    for (let i = 0; i < 1200 && !chunks.every(heardOf); i++)
        await new Promise((r) => setTimeout(r, 25));
    for (const c of chunks)
        t.true(heardOf(c), `heard of ${c.uncompressedOffset}`);
    stop();
    // The cache file holds the verified chunks at their offsets: what the native server serves.
    const path = reader.cacheFile(blob);
    t.truthy(path);
    const bytes = await readFileRange(path, start, end - start);
    const space = Buffer.alloc(end - start);
    chunks.forEach((c, i) => FILES.random.copy(space, c.uncompressedOffset - start, i * CHUNK, i * CHUNK + c.uncompressedSize));
    t.true(bytes.equals(space));
    // A late watcher hears of what is verified already.
    const late = [];
    reader.watchVerified(blob, (s, e, v) => late.push([s, e, v]))();
    t.true(chunks.every((c) => late.some(([s, , v]) => v && s === c.uncompressedOffset)));
});
/**
 * Waits until every chunk of the read is stored (the commit follows the read's answer), up to
 * 30 s: the cache's fdatasync can take seconds on a loaded machine.
 */
async function waitStored(f, reader, blob, count) {
    for (let i = 0; i < 1200; i++) {
        if (reader.verifiedIn(blob, 0, f.bootstrap.blobs[blob].uncompressedSize).length >= count)
            return;
        await new Promise((r) => setTimeout(r, 25));
    }
}
//# sourceMappingURL=image-reader.test.js.map