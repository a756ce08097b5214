import test from 'ava';
import { coveringExtents, decodeChunkLog, encodeChunkLogRecord, CHUNK_LOG_RECORD_SIZE } from '../../src/cache/chunk-log.js';
import { BlockBitmap, decodeReadyHeader, encodeReadyHeader } from '../../src/cache/ready-bitmap.js';
test('ready header round-trips and rejects damage', (t) => {
    const h = { compressedSize: 2 ** 40 + 3, uncompressedSize: 2 ** 41 };
    const bytes = encodeReadyHeader(h);
    t.is(bytes.length, 64);
    t.deepEqual(decodeReadyHeader(bytes), h);
    const flipped = Buffer.from(bytes);
    flipped[20] ^= 1;
    t.is(decodeReadyHeader(flipped), 'header checksum mismatch');
    t.is(decodeReadyHeader(Buffer.from('DRNREADX' + '\0'.repeat(56))), 'bad magic');
    t.regex(decodeReadyHeader(bytes.subarray(0, 10)), /shorter/);
});
test('bitmap: set, clear, count, dirty range and the tail bits', (t) => {
    const bits = new BlockBitmap(20);
    t.is(bits.bytes.length, 3);
    t.true(bits.set(0));
    t.false(bits.set(0));
    t.true(bits.set(19));
    t.is(bits.count, 2);
    t.deepEqual(bits.takeDirty(), { start: 0, end: 3 });
    t.is(bits.takeDirty(), undefined);
    t.true(bits.clear(19));
    t.false(bits.clear(19));
    t.deepEqual(bits.takeDirty(), { start: 2, end: 3 });
    t.deepEqual([...bits.setBlocks()], [0]);
    t.throws(() => bits.set(20), { instanceOf: RangeError });
    t.false(bits.has(-1));
    // Bits past the last block in loaded bytes are dropped, not counted.
    const loaded = new BlockBitmap(20, Uint8Array.from([0xff, 0x00, 0xff]));
    t.is(loaded.count, 8 + 4);
    t.deepEqual([...loaded.setBlocks()].slice(-4), [16, 17, 18, 19]);
});
const record = (over = {}) => ({
    blobIndex: 0,
    compressedOffset: 100,
    compressedSize: 50,
    uncompressedOffset: 8192,
    uncompressedSize: 4000,
    flags: 1,
    digest: Uint8Array.from({ length: 32 }, (_, i) => i),
    ...over,
});
test('chunk log round-trips; torn and damaged records are skipped', (t) => {
    const blob = { compressedSize: 1000, uncompressedSize: 65536 };
    const a = encodeChunkLogRecord(record(), 'blake3');
    const b = encodeChunkLogRecord(record({ compressedOffset: 150, uncompressedOffset: 12288, flags: 0, compressedSize: 400, uncompressedSize: 400 }), 'sha256');
    t.is(a.length, CHUNK_LOG_RECORD_SIZE);
    const whole = decodeChunkLog(Buffer.concat([a, b]), blob);
    t.is(whole.skipped, 0);
    t.deepEqual(whole.chunks[0], { record: record(), algorithm: 'blake3' });
    t.is(whole.chunks[1].algorithm, 'sha256');
    const torn = decodeChunkLog(Buffer.concat([a, b.subarray(0, 30)]), blob);
    t.is(torn.chunks.length, 1);
    t.is(torn.skipped, 1);
    const damaged = Buffer.concat([a, b]);
    damaged[70] ^= 0x40;
    t.is(decodeChunkLog(damaged, blob).chunks.length, 1);
    const outside = encodeChunkLogRecord(record({ compressedOffset: 990 }), 'blake3');
    t.is(decodeChunkLog(outside, blob).skipped, 1);
});
test('covering extents: exact, inside, across adjacent extents, gaps and edges', (t) => {
    const ext = [
        { start: 0, end: 10 },
        { start: 10, end: 25 },
        { start: 30, end: 40 },
    ];
    const table = [
        [0, 10, [0, 0]],
        [2, 3, [0, 0]],
        [5, 15, [0, 1]],
        [0, 25, [0, 1]],
        [20, 12, undefined], // gap 25..30
        [25, 2, undefined],
        [30, 10, [2, 2]],
        [35, 6, undefined], // past the last extent
        [0, 0, undefined],
        [40, 1, undefined],
    ];
    for (const [offset, length, want] of table)
        t.deepEqual(coveringExtents(ext, offset, length), want, `${offset}+${length}`);
    t.is(coveringExtents([], 0, 1), undefined);
});
//# sourceMappingURL=records.test.js.map