import test from 'ava';
import { ArrivingRange, arrivedChunkEnd } from '../../src/fetch/arriving-range.js';
import { syntheticBlob } from '../cache/synthetic-blob.js';
const record = (compressedOffset, compressedSize) => ({
    blobIndex: 0,
    compressedOffset,
    compressedSize,
    uncompressedOffset: compressedOffset * 2,
    uncompressedSize: compressedSize,
    flags: 0,
    digest: new Uint8Array(32),
});
test('arrivedChunkEnd: the chunks wholly inside the bytes that arrived, from a start index', (t) => {
    const chunks = [record(100, 10), record(110, 20), record(130, 5), record(135, 15)];
    t.is(arrivedChunkEnd(chunks, 100, 0, 0), 0);
    t.is(arrivedChunkEnd(chunks, 100, 0, 9), 0, 'first chunk one byte short');
    t.is(arrivedChunkEnd(chunks, 100, 0, 10), 1);
    t.is(arrivedChunkEnd(chunks, 100, 0, 34), 2);
    t.is(arrivedChunkEnd(chunks, 100, 0, 35), 3);
    t.is(arrivedChunkEnd(chunks, 100, 0, 50), 4);
    t.is(arrivedChunkEnd(chunks, 100, 0, 1000), 4, 'more bytes than the chunks');
    t.is(arrivedChunkEnd(chunks, 100, 2, 34), 2, 'nothing new from index 2');
    t.is(arrivedChunkEnd(chunks, 100, 4, 50), 4, 'from past the last chunk');
    t.is(arrivedChunkEnd([], 0, 0, 10), 0);
});
/** Feeds the blob's bytes in pieces of `step`, as a streaming source would, into a fresh buffer. */
function feed(range, stored, step) {
    const buffer = Buffer.alloc(stored.length);
    for (let at = 0; at < stored.length; at += step) {
        const end = Math.min(stored.length, at + step);
        stored.copy(buffer, at, at, end);
        range.arrived(buffer, end);
    }
    return buffer;
}
/** Hands `range` a new buffer holding the first `upTo` bytes of `stored` (a body cut short there). */
function arrivePrefix(range, stored, upTo) {
    const buffer = Buffer.alloc(stored.length);
    stored.copy(buffer, 0, 0, upTo);
    range.arrived(buffer, upTo);
    return buffer;
}
test('chunks are verified in stored order while the body arrives, each handed on once', async (t) => {
    const blob = syntheticBlob(Array.from({ length: 40 }, (_, i) => 3000 + i * 97), 3);
    const verified = [];
    const range = new ArrivingRange({ algorithm: blob.algorithm, blobId: blob.id, offset: 0, chunks: blob.records, minBatchBytes: 8 * 1024, onVerified: (c) => verified.push(c) });
    // Half the body: the chunks wholly inside it are verified before the rest arrives.
    const half = Math.floor(blob.stored.length / 2);
    const buffer = arrivePrefix(range, blob.stored, half);
    for (let i = 0; i < 50 && verified.length === 0; i++)
        await new Promise((r) => setTimeout(r, 10));
    t.true(verified.length > 0, 'some chunks verified before the body is complete');
    const inFirstHalf = arrivedChunkEnd(blob.records, 0, 0, half);
    blob.stored.copy(buffer, half, half);
    await range.finish(buffer);
    t.is(verified.length, blob.records.length);
    t.true(inFirstHalf < blob.records.length);
    verified.forEach((c, i) => {
        t.is(c.record, blob.records[i], `chunk ${i} in stored order`);
        t.true(c.data.equals(blob.data[i]), `chunk ${i} bytes`);
    });
    t.deepEqual(range.failed, []);
    t.deepEqual(range.pending, []);
});
test('a chunk with wrong bytes is reported as failed, never handed on; the others are', async (t) => {
    const blob = syntheticBlob([5000, 6000, 7000, 8000, 9000], 4);
    const stored = Buffer.from(blob.stored);
    const bad = blob.records[2];
    stored[bad.compressedOffset + 10] ^= 0xff;
    const verified = [];
    const range = new ArrivingRange({ algorithm: blob.algorithm, blobId: blob.id, offset: 0, chunks: blob.records, minBatchBytes: 1, onVerified: (c) => verified.push(c) });
    const buffer = feed(range, stored, 1000);
    await range.finish(buffer);
    t.deepEqual(verified.map((c) => c.record.compressedOffset), [0, 1, 3, 4].map((i) => blob.records[i].compressedOffset));
    t.is(range.failed.length, 1);
    t.is(range.failed[0].record, bad);
});
test('a retried request (new buffer, from byte 0) keeps the chunks already handed on; stop() leaves the rest pending', async (t) => {
    const blob = syntheticBlob(Array.from({ length: 12 }, () => 4096), 5);
    const verified = [];
    const range = new ArrivingRange({ algorithm: blob.algorithm, blobId: blob.id, offset: 0, chunks: blob.records, minBatchBytes: 1, onVerified: (c) => verified.push(c) });
    arrivePrefix(range, blob.stored, blob.records[5].compressedOffset);
    // The connection broke; the retry streams the range again into a new buffer.
    feed(range, blob.stored, 3000);
    const final = Buffer.from(blob.stored);
    await range.finish(final);
    t.is(verified.length, 12, 'each chunk once');
    t.deepEqual(new Set(verified.map((c) => c.record.compressedOffset)).size, 12);
    const stopped = syntheticBlob([4096, 4096, 4096, 4096], 6);
    const handed = [];
    const partial = new ArrivingRange({ algorithm: stopped.algorithm, blobId: stopped.id, offset: 0, chunks: stopped.records, minBatchBytes: 1, onVerified: (c) => handed.push(c) });
    const buffer = arrivePrefix(partial, stopped.stored, stopped.records[2].compressedOffset);
    await partial.stop();
    partial.arrived(buffer, stopped.stored.length); // after stop: ignored
    t.is(handed.length, 2);
    t.deepEqual(partial.pending, stopped.records.slice(2));
});
test('a range that does not start at the blob start: offsets are relative to it', async (t) => {
    const blob = syntheticBlob([3000, 4000, 5000, 6000], 7);
    const from = blob.records[1].compressedOffset;
    const chunks = blob.records.slice(1);
    const verified = [];
    const range = new ArrivingRange({ algorithm: blob.algorithm, blobId: blob.id, offset: from, chunks, minBatchBytes: 1, onVerified: (c) => verified.push(c) });
    const buffer = feed(range, blob.stored.subarray(from), 700);
    await range.finish(buffer);
    t.deepEqual(verified.map((c) => c.record), chunks);
    t.true(verified.every((c, i) => c.data.equals(blob.data[i + 1])));
});
//# sourceMappingURL=arriving-range.test.js.map