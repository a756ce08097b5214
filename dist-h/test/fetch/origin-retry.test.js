/**
 * Who retries origin range reads, and how often: the fetch engine alone (the registry client
 * makes one request per range read), only for failures that may pass, within the fetch deadline;
 * bytes that fail verification are fetched once more, never again for the reads that follow.
 * Everything is counted at the registry, through the counting proxy.
 */
import test from 'ava';
import { readFile, writeFile } from 'node:fs/promises';
import { ChunkUnavailableError, CorruptChunkError, DigestMismatchError } from '../../src/errors.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { beforeAllFixture, blobRanges, fetchesIdle, makeEngine, metric } from './fixture.js';
const KiB = 1024;
const CHUNK = 64 * KiB;
const FILES = {
    g: pseudoRandomBytes(3 * CHUNK, 41),
    h: pseudoRandomBytes(100 * KiB, 42),
    i: pseudoRandomBytes(CHUNK, 44),
};
let fixture;
beforeAllFixture(FILES, { chunkSize: CHUNK }, (f) => (fixture = f));
const blobRequests = () => fixture.proxy.requests.filter((r) => r.kind === 'blob').length;
const fastRetries = { retryBaseDelayMs: 5, retryMaxDelayMs: 20 };
test.serial('a range that keeps failing with 503 is tried originAttempts times in all, then the read fails with the reason', async (t) => {
    const { fetcher, metrics } = await makeEngine(t, { ...fastRetries, originAttempts: 3, fetchTimeoutMs: 20_000, readAhead: false, sequentialReadAheadBytes: 0 });
    const reader = await fetcher.openImage({ bootstrap: fixture.bootstrap, origin: fixture.source.blobReader() });
    t.teardown(() => reader.close());
    fixture.proxy.reset();
    fixture.proxy.failNext(503, { kind: 'blob' }, 1000);
    const err = await t.throwsAsync(() => reader.read(fixture.nid('/g'), 0, 100), { instanceOf: ChunkUnavailableError });
    t.regex(err?.message ?? '', /503 Service Unavailable/);
    await fetchesIdle(metrics);
    t.is(blobRequests(), 3, 'three tries of one range, not tries of tries');
});
test.serial('a 4xx other than 408 and 429 is not retried; 408 and 429 are', async (t) => {
    const { fetcher, metrics } = await makeEngine(t, { ...fastRetries, fetchTimeoutMs: 20_000, readAhead: false, sequentialReadAheadBytes: 0 });
    const reader = await fetcher.openImage({ bootstrap: fixture.bootstrap, origin: fixture.source.blobReader() });
    t.teardown(() => reader.close());
    // Each case on chunks no other case touched: a chunk that just failed fails reads at once for a
    // moment (FAILED_CHUNK_MEMORY_MS).
    const chunks = [['/g', 0], ['/g', CHUNK], ['/g', 2 * CHUNK], ['/h', 0], ['/h', CHUNK], ['/i', 0]];
    for (const status of [416, 404, 400, 403]) {
        const [path, at] = chunks.shift();
        fixture.proxy.reset();
        fixture.proxy.failNext(status, { kind: 'blob' }, 1000);
        const err = await t.throwsAsync(() => reader.read(fixture.nid(path), at, 10), { instanceOf: ChunkUnavailableError });
        t.regex(err?.message ?? '', new RegExp(`: ${status} `));
        await fetchesIdle(metrics);
        t.is(blobRequests(), 1, `${status}: one request`);
    }
    for (const status of [408, 429]) {
        const [path, at] = chunks.shift();
        fixture.proxy.reset();
        fixture.proxy.failNext(status, { kind: 'blob' }, 2);
        t.true((await reader.read(fixture.nid(path), at, 10)).equals(FILES[path.slice(1)].subarray(at, at + 10)), `${status} passes`);
        t.deepEqual(fixture.proxy.requests.filter((r) => r.kind === 'blob').map((r) => r.status), [status, status, 206]);
    }
});
test.serial('a blob that is garbage: every stored byte is fetched at most twice, however many reads ask for it', async (t) => {
    const { fetcher, metrics } = await makeEngine(t, { ...fastRetries });
    const reader = await fetcher.openImage({ bootstrap: fixture.bootstrap, origin: fixture.source.blobReader() });
    t.teardown(() => reader.close());
    const nid = fixture.nid('/g');
    const blobId = fixture.bootstrap.blobs[0].id;
    const path = fixture.registry.blobDataPath(`sha256:${blobId}`);
    const original = await readFile(path);
    await writeFile(path, pseudoRandomBytes(original.length, 43));
    t.teardown(() => writeFile(path, original));
    fixture.proxy.reset();
    // As the kernel reads a file: 16 KiB pieces in order, each failed piece asked once more.
    let failures = 0;
    for (let offset = 0; offset < FILES.g.length; offset += 16 * KiB) {
        for (let ask = 0; ask < 2; ask++) {
            const err = await t.throwsAsync(() => reader.read(nid, offset, 16 * KiB));
            t.true(err instanceof DigestMismatchError || err instanceof CorruptChunkError, `got ${err?.name}: ${err?.message}`);
            failures += 1;
        }
    }
    await fetchesIdle(metrics);
    t.is(failures, 2 * (FILES.g.length / (16 * KiB)));
    const served = new Map();
    for (const [start, end] of blobRanges(fixture.proxy)) {
        for (let b = Math.floor(start / 4096); b * 4096 < end; b++)
            served.set(b, (served.get(b) ?? 0) + 1);
    }
    const most = Math.max(...served.values());
    t.log(`${fixture.proxy.bytesServed('blob')} bytes served for a blob of ${original.length}; a 4 KiB block at most ${most} times`);
    t.true(most <= 2, `a stored block was served ${most} times`);
    t.true(fixture.proxy.bytesServed('blob') <= 2 * original.length);
});
test.serial('a stalled origin: one deadline for a read, and the reads of the same chunks right after fail at once without another request', async (t) => {
    const FETCH_TIMEOUT_MS = 1500;
    const { fetcher, metrics } = await makeEngine(t, { ...fastRetries, fetchTimeoutMs: FETCH_TIMEOUT_MS, sequentialReadAheadBytes: 0 });
    const reader = await fetcher.openImage({ bootstrap: fixture.bootstrap, origin: fixture.source.blobReader() });
    t.teardown(() => reader.close());
    const nid = fixture.nid('/h');
    fixture.proxy.reset();
    fixture.proxy.failNext('stall', { kind: 'blob' }, 1000);
    const first = await t.throwsAsync(() => reader.read(nid, 0, 16 * KiB), { instanceOf: ChunkUnavailableError });
    t.regex(first?.message ?? '', new RegExp(`within .*${FETCH_TIMEOUT_MS} ms`), 'the error names the deadline');
    t.is(blobRequests(), 1, 'one request: a stalled answer is not retried past the deadline');
    // What the kernel sends next: the rest of the same read(2), the retry of its readahead.
    for (const offset of [16 * KiB, 0, 32 * KiB]) {
        const next = await t.throwsAsync(() => reader.read(nid, offset, 16 * KiB), { instanceOf: ChunkUnavailableError });
        t.regex(next?.message ?? '', new RegExp(`within .*${FETCH_TIMEOUT_MS} ms`));
    }
    await fetchesIdle(metrics);
    t.is(blobRequests(), 1, 'no read after the first asked the origin again');
    t.is(fixture.proxy.requests.filter((r) => r.fault === 'stall').length, 1);
});
test.serial('a read that reached its deadline while its fetch was still queued: the reads of its chunks right after fail at once with its error', async (t) => {
    const FETCH_TIMEOUT_MS = 1500;
    // One slot, which the stalled prefetch holds: the read's request waits in the queue for most of
    // the read's deadline, and its own deadline runs out well after the read's.
    const { fetcher, metrics } = await makeEngine(t, { ...fastRetries, fetchTimeoutMs: FETCH_TIMEOUT_MS, maxConcurrentFetches: 1, readAhead: false, sequentialReadAheadBytes: 0 });
    const reader = await fetcher.openImage({ bootstrap: fixture.bootstrap, origin: fixture.source.blobReader() });
    t.teardown(() => reader.close());
    fixture.proxy.reset();
    fixture.proxy.failNext('stall', { kind: 'blob' }, 1000);
    const prefetch = reader.prefetchFiles([fixture.nid('/g')]);
    while ((await metric(metrics, 'darner_fetch_in_flight')) < 1)
        await new Promise((resolve) => setTimeout(resolve, 10));
    const nid = fixture.nid('/i');
    const first = await t.throwsAsync(() => reader.read(nid, 0, 10), { instanceOf: ChunkUnavailableError });
    t.regex(first?.message ?? '', new RegExp(`not fetched within the fetch timeout \\(${FETCH_TIMEOUT_MS} ms\\)`));
    const second = await t.throwsAsync(() => reader.read(nid, 100, 10), { instanceOf: ChunkUnavailableError });
    t.is(second, first, 'the next read of the chunk got the first one\'s error, without a deadline of its own');
    // The origin answers again, so the prefetch's remaining ranges end without a stalled deadline each.
    fixture.proxy.reset();
    await prefetch;
    await fetchesIdle(metrics);
});
//# sourceMappingURL=origin-retry.test.js.map