/**
 * The chunk-info v1 array and header darner appends to its blobs (src/format/blob-meta.ts), against
 * the bit layout of the RAFS v6 fact sheet §10 written out by hand, at the limits of every field.
 */
import test from 'ava';
import { BLOB_META_HEADER_SIZE, BLOB_META_MAGIC, blobMetaSize, chunkInfoProblem, decodeBlobMeta, encodeBlobMeta } from '../../src/format/blob-meta.js';
test('an entry is the fact sheet\'s two words: sizes − 1 split 20/4 bits around the offsets', (t) => {
    // 1 MiB at uncompressed 0x1000, 50 bytes at compressed 22: (size − 1) = 0xFFFFF and 49.
    const out = encodeBlobMeta([{ uncompressedOffset: 0x1000, uncompressedSize: 0x100000, compressedOffset: 22, compressedSize: 50 }], 72);
    t.is(out.readBigUInt64LE(0), 0xfffff00000001000n);
    t.is(out.readBigUInt64LE(8), 0x0003100000000016n);
    // 16 MiB (size − 1 = 0xFFFFFF): the high nibble goes to bits 8–11 and 40–43.
    const big = encodeBlobMeta([{ uncompressedOffset: 0, uncompressedSize: 1 << 24, compressedOffset: 0, compressedSize: 1 << 24 }], 1 << 24);
    t.is(big.readBigUInt64LE(0), 0xfffff00000000f00n);
    t.is(big.readBigUInt64LE(8), 0xffffff0000000000n);
});
test('the header records the array where the blob record does, and ends in the second magic', (t) => {
    const spans = [
        { uncompressedOffset: 8192, uncompressedSize: 10, compressedOffset: 100, compressedSize: 10 },
        { uncompressedOffset: 0, uncompressedSize: 5000, compressedOffset: 0, compressedSize: 100 },
    ];
    const out = encodeBlobMeta(spans, 110);
    t.is(out.length, blobMetaSize(2));
    const h = out.subarray(32);
    t.is(h.length, BLOB_META_HEADER_SIZE);
    t.deepEqual([h.readUInt32LE(0), h.readUInt32LE(4), h.readUInt32LE(8), h.readUInt32LE(12)], [BLOB_META_MAGIC, 0x4000_0001, 0, 2]);
    t.deepEqual([h.readBigUInt64LE(16), h.readBigUInt64LE(24), h.readBigUInt64LE(32)], [110n, 32n, 32n]);
    t.is(h.readUInt32LE(4092), BLOB_META_MAGIC);
    t.true(h.subarray(40, 4092).every((x) => x === 0));
    // Entries in uncompressed order, whatever order the chunks were given in.
    const decoded = decodeBlobMeta(out, 110);
    if ('problem' in decoded)
        return t.fail(decoded.problem);
    t.deepEqual(decoded.chunks, [spans[1], spans[0]]);
});
test('limits: offsets up to 2^40 stored and 2^44 uncompressed round trip; beyond them no entry is written', (t) => {
    const edge = { uncompressedOffset: 2 ** 44 - 4096, uncompressedSize: 4096, compressedOffset: 2 ** 40 - 7, compressedSize: 7 };
    const decoded = decodeBlobMeta(encodeBlobMeta([edge], 2 ** 40), 2 ** 40);
    if ('problem' in decoded)
        return t.fail(decoded.problem);
    t.deepEqual(decoded.chunks, [edge]);
    t.regex(chunkInfoProblem({ ...edge, compressedSize: 8 }) ?? '', /compressed range ends beyond 2\^40/);
    t.regex(chunkInfoProblem({ ...edge, uncompressedOffset: 2 ** 44 }) ?? '', /not a block below 2\^44/);
    t.regex(chunkInfoProblem({ ...edge, uncompressedSize: 2 ** 24 + 1 }) ?? '', /outside 1 … 16 MiB/);
    t.regex(chunkInfoProblem({ ...edge, compressedSize: 4096, uncompressedSize: 4096, flags: 1 }) ?? '', /would read as stored raw/);
    t.throws(() => encodeBlobMeta([{ ...edge, uncompressedOffset: 2 ** 44 }], 0), { instanceOf: RangeError });
});
test('decoding refuses a tail that is not an array and its header', (t) => {
    const good = encodeBlobMeta([{ uncompressedOffset: 0, uncompressedSize: 1, compressedOffset: 0, compressedSize: 1 }], 1);
    const problem = (b, at = 1) => {
        const r = decodeBlobMeta(b, at);
        return 'problem' in r ? r.problem : '';
    };
    t.regex(problem(good.subarray(0, 4000)), /cannot hold/);
    t.regex(problem(good, 2), /places the array at 1, not 2/);
    const badMagic = Buffer.from(good);
    badMagic.writeUInt32LE(0, good.length - 4);
    t.regex(problem(badMagic), /magic/);
    const badCount = Buffer.from(good);
    badCount.writeUInt32LE(2, 16 + 12);
    t.regex(problem(badCount), /disagree/);
    const compressed = Buffer.from(good);
    compressed.writeUInt32LE(3, 16 + 8);
    t.regex(problem(compressed), /compressor 3/);
});
//# sourceMappingURL=blob-meta.test.js.map