import test from 'ava';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { ChunkUnavailableError, CorruptChunkError, DigestMismatchError } from '../../src/errors.js';
import { readFully } from '../../src/util/read-fully.js';
import { FAILED_CHUNK_MEMORY_MS } from '../../src/fetch/fetch-engine.js';
import { FETCH_DEFAULTS } from '../../src/fetch/index.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { beforeAllFixture, fetchesIdle, makeEngine, metric } from './fixture.js';
const KiB = 1024;
const CHUNK = 64 * KiB;
const FILES = {
    a: pseudoRandomBytes(150 * KiB, 1),
    b: pseudoRandomBytes(150 * KiB, 2),
    c: Buffer.alloc(200 * KiB, 'compressible text, stored as zstd frames\n'),
    d: pseudoRandomBytes(150 * KiB, 4),
};
let fixture;
beforeAllFixture(FILES, { chunkSize: CHUNK }, (f) => (fixture = f));
const FETCH_TIMEOUT_MS = 1500;
test.serial('origin unreachable: cached reads keep working, uncached ones fail after the configured tries or the deadline, and work again once it is back', async (t) => {
    // No read-ahead: file b must stay absent after reading a.
    const { fetcher, metrics } = await makeEngine(t, { fetchTimeoutMs: FETCH_TIMEOUT_MS, retryBaseDelayMs: 50, readAhead: false });
    const reader = await fetcher.openImage({ bootstrap: fixture.bootstrap, origin: fixture.source.blobReader() });
    t.teardown(() => reader.close());
    const [a, b, c] = ['/a', '/b', '/c'].map((p) => fixture.nid(p));
    t.true((await reader.read(a, 0, 150 * KiB)).equals(FILES.a));
    // A refused or failing answer is tried originAttempts times (default 4) and the read fails with
    // its reason; an answer that never comes is one request, ended by the deadline.
    const cases = [
        { fault: 'drop', requests: FETCH_DEFAULTS.originAttempts, reason: /unreachable/ },
        { fault: 503, requests: FETCH_DEFAULTS.originAttempts, reason: /503 Service Unavailable/ },
        { fault: 'stall', requests: 1, reason: new RegExp(`not fetched within .*${FETCH_TIMEOUT_MS} ms`) },
    ];
    for (const { fault, requests, reason } of cases) {
        await fetchesIdle(metrics);
        // A chunk that just failed fails reads at once for a moment: each case reads it afresh.
        await new Promise((resolve) => setTimeout(resolve, FAILED_CHUNK_MEMORY_MS));
        fixture.proxy.reset();
        fixture.proxy.failNext(fault, { kind: 'blob' }, 1_000_000);
        t.true((await reader.read(a, 1000, 100 * KiB)).equals(FILES.a.subarray(1000, 1000 + 100 * KiB)), `cached read during ${fault}`);
        const err = await t.throwsAsync(() => reader.read(b, 0, 10), { instanceOf: ChunkUnavailableError }, `uncached read during ${fault}`);
        t.regex(err?.message ?? '', reason);
        await fetchesIdle(metrics);
        const tried = fixture.proxy.requests.filter((r) => r.kind === 'blob');
        t.true(tried.every((r) => r.fault === fault));
        // Per range: the read's own, and the sequential read-ahead's after file a.
        const perRange = new Map();
        for (const r of tried)
            perRange.set(r.range, (perRange.get(r.range) ?? 0) + 1);
        const chunkOfB = fixture.bootstrap.chunk(fixture.bootstrap.fileChunks(b)[0]);
        t.true([...perRange.keys()].some((range) => range.startsWith(`bytes=${chunkOfB.compressedOffset}-`)), 'the read asked for its chunk');
        t.deepEqual([...perRange.values()], [...perRange.values()].map(() => requests), `${fault}: requests per range ${JSON.stringify([...perRange])}`);
    }
    t.true((await metric(metrics, 'darner_fetch_read_errors_total', { code: 'chunk_unavailable' })) >= 3);
    await new Promise((resolve) => setTimeout(resolve, FAILED_CHUNK_MEMORY_MS));
    fixture.proxy.reset();
    t.true((await reader.read(b, 0, 150 * KiB)).equals(FILES.b), 'the origin is back');
    t.true((await reader.read(c, 0, 200 * KiB)).equals(FILES.c));
});
test.serial('a blob altered in the registry: the read fails typed, the failure is counted, the cache holds no altered byte', async (t) => {
    const { fetcher, metrics, cacheDir } = await makeEngine(t, { readAhead: false });
    const reader = await fetcher.openImage({ bootstrap: fixture.bootstrap, origin: fixture.source.blobReader() });
    t.teardown(() => reader.close());
    const nid = fixture.nid('/d');
    const record = fixture.bootstrap.chunk(fixture.bootstrap.fileChunks(nid)[1]);
    const blobId = fixture.bootstrap.blobs[record.blobIndex].id;
    const path = fixture.registry.blobDataPath(`sha256:${blobId}`);
    const at = record.compressedOffset + Math.floor(record.compressedSize / 2);
    const file = await open(path, 'r+');
    const original = Buffer.alloc(1);
    await file.read(original, 0, 1, at);
    await file.write(Buffer.from([original[0] ^ 0x5a]), 0, 1, at);
    t.teardown(async () => {
        await file.write(original, 0, 1, at);
        await file.close();
    });
    fixture.proxy.reset();
    const err = await t.throwsAsync(() => reader.read(nid, CHUNK, 100));
    t.true(err instanceof DigestMismatchError || err instanceof CorruptChunkError, `got ${err?.name}: ${err?.message}`);
    t.is(await metric(metrics, 'darner_fetch_verify_failures_total', { source: 'origin' }), 2, 'fetched, failed, fetched once more, failed');
    t.is(fixture.proxy.requests.filter((r) => r.kind === 'blob').length, 2);
    // Nothing of the altered chunk landed: its bytes in both cache files are still holes (zeros).
    const dir = join(cacheDir, 'blobs', blobId);
    const data = await open(join(dir, 'data'), 'r');
    const stored = await open(join(dir, 'stored'), 'r');
    t.true((await readFully(data, record.uncompressedSize, record.uncompressedOffset)).equals(Buffer.alloc(record.uncompressedSize)));
    t.true((await readFully(stored, record.compressedSize, record.compressedOffset)).equals(Buffer.alloc(record.compressedSize)));
    await data.close();
    await stored.close();
    // The chunks next to it are fine.
    t.true((await reader.read(nid, 0, 100)).equals(FILES.d.subarray(0, 100)));
    await file.write(original, 0, 1, at);
    await new Promise((resolve) => setTimeout(resolve, FAILED_CHUNK_MEMORY_MS));
    t.true((await reader.read(nid, CHUNK, 100)).equals(FILES.d.subarray(CHUNK, CHUNK + 100)), 'repaired at the origin: readable');
});
test.serial('a body that stops halfway: chunks that arrived are served at once, the rest fail in bounded time and come later', async (t) => {
    const { fetcher, metrics } = await makeEngine(t, { fetchTimeoutMs: FETCH_TIMEOUT_MS, retryBaseDelayMs: 50, maxRequestBytes: 1 << 20 });
    const reader = await fetcher.openImage({ bootstrap: fixture.bootstrap, origin: fixture.source.blobReader() });
    t.teardown(() => reader.close());
    const nid = fixture.nid('/d');
    const chunks = fixture.bootstrap.fileChunks(nid).map((slot) => fixture.bootstrap.chunk(slot));
    t.is(chunks.length, 3);
    fixture.proxy.reset();
    fixture.proxy.failNext('stall-half', { kind: 'blob' });
    // One request for all of d (read-ahead fills it); its body stops after half, which holds the
    // first chunk: that read is answered although the request never completes.
    const first = await reader.read(nid, 0, CHUNK);
    t.true(first.equals(FILES.d.subarray(0, CHUNK)), 'first chunk served from the part that arrived');
    t.is(await metric(metrics, 'darner_fetch_in_flight'), 1, 'answered while its request was still waiting for the rest');
    const ranges = fixture.proxy.requests.filter((r) => r.kind === 'blob');
    t.is(ranges.length, 1);
    t.is(ranges[0].fault, 'stall-half');
    t.true(ranges[0].range.endsWith(`-${chunks[2].compressedOffset + chunks[2].compressedSize - 1}`), `one request for all of d: ${ranges[0].range}`);
    await t.throwsAsync(() => reader.read(nid, 2 * CHUNK, 10), { instanceOf: ChunkUnavailableError }, 'the last chunk never arrived');
    // Known defect: the stalled request can outlive the read that gave up on it until the registry
    // client's body timeout (60 s), so wait past that before the recovery check.
    await fetchesIdle(metrics);
    await new Promise((resolve) => setTimeout(resolve, FAILED_CHUNK_MEMORY_MS));
    t.true((await reader.read(nid, 0, FILES.d.length)).equals(FILES.d), 'all of d once the origin answers in full');
});
//# sourceMappingURL=faults.test.js.map