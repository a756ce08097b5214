import test from 'ava';
import { BlobAddressSpace } from '../../src/fetch/blob-space.js';
function chunk(uncompressedOffset, uncompressedSize) {
    return { blobIndex: 0, compressedOffset: uncompressedOffset, compressedSize: uncompressedSize, uncompressedOffset, uncompressedSize, flags: 0, digest: new Uint8Array(32) };
}
const shape = (space, offset, end) => space.pieces(offset, end).map((p) => [p.record.uncompressedOffset, p.from, p.length, p.at]);
test('pieces: ranges inside, across and between chunks; gaps left out; clipped at the size', (t) => {
    // Chunks at [0,100) [4096,4196) [8192,12288); the space is 12288 bytes. Input order does not matter.
    const space = new BlobAddressSpace([chunk(8192, 4096), chunk(0, 100), chunk(4096, 100)], 12288);
    t.deepEqual(shape(space, 0, 100), [[0, 0, 100, 0]], 'one whole chunk');
    t.deepEqual(shape(space, 10, 20), [[0, 10, 10, 0]], 'inside a chunk');
    t.deepEqual(shape(space, 50, 4146), [[0, 50, 50, 0], [4096, 0, 50, 4046]], 'across a gap');
    t.deepEqual(shape(space, 100, 4096), [], 'only the gap');
    t.deepEqual(shape(space, 4150, 9000), [[4096, 54, 46, 0], [8192, 0, 808, 4042]], 'into the next chunk');
    t.deepEqual(shape(space, 12000, 20000), [[8192, 3808, 288, 0]], 'clipped at the size');
    t.deepEqual(shape(space, 12288, 13000), [], 'past the end');
    t.deepEqual(shape(space, 5, 5), [], 'empty range');
});
test('pieces: overlapping chunks (a malformed bootstrap) still give non-overlapping pieces', (t) => {
    const space = new BlobAddressSpace([chunk(0, 100), chunk(50, 30), chunk(90, 110), chunk(0, 10)], 200);
    const pieces = space.pieces(0, 200);
    let position = 0;
    for (const p of pieces) {
        t.true(p.at >= position, 'pieces are in order and never overlap');
        position = p.at + p.length;
    }
    t.is(position, 200);
    t.is(pieces.reduce((n, p) => n + p.length, 0), 200, 'every byte from exactly one chunk');
    // A range starting inside the long first chunk, after a short chunk that starts later ended.
    t.deepEqual(shape(space, 85, 95), [[0, 85, 10, 0]]);
});
test('pieces: the search finds a long chunk that starts well before the range', (t) => {
    const records = [chunk(0, 1_000_000), ...Array.from({ length: 100 }, (_, i) => chunk(1_000_000 + i * 4096, 4096))];
    const space = new BlobAddressSpace(records, 1_000_000 + 100 * 4096);
    t.deepEqual(shape(space, 999_990, 1_000_010), [[0, 999_990, 10, 0], [1_000_000, 0, 10, 10]]);
    t.deepEqual(shape(space, 1_000_000 + 50 * 4096 + 1, 1_000_000 + 50 * 4096 + 2), [[1_000_000 + 50 * 4096, 1, 1, 0]]);
});
test('blockAligned only for block-aligned, disjoint chunks inside the space; chunkAt finds a chunk by its start', (t) => {
    const space = new BlobAddressSpace([chunk(8192, 4096), chunk(0, 100), chunk(4096, 100)], 12288);
    t.true(space.blockAligned);
    t.is(space.chunkAt(4096)?.uncompressedSize, 100);
    t.is(space.chunkAt(0)?.uncompressedOffset, 0);
    t.is(space.chunkAt(8192)?.uncompressedSize, 4096);
    t.is(space.chunkAt(100), undefined);
    t.is(space.chunkAt(12288), undefined);
    t.deepEqual(space.records.map((r) => r.uncompressedOffset), [0, 4096, 8192]);
    t.false(new BlobAddressSpace([chunk(0, 100), chunk(50, 30)], 4096).blockAligned, 'overlapping');
    t.false(new BlobAddressSpace([chunk(0, 5000), chunk(4096, 10)], 8192).blockAligned, 'a chunk running into the next block');
    t.false(new BlobAddressSpace([chunk(100, 10)], 4096).blockAligned, 'not on a block boundary');
    t.false(new BlobAddressSpace([chunk(0, 5000)], 4096).blockAligned, 'past the space');
    t.true(new BlobAddressSpace([], 0).blockAligned);
});
//# sourceMappingURL=blob-space.test.js.map