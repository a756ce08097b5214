/** ChunkOrigins (src/p2p/chunk-origins.ts): where this node got its chunks, as uploads count them. */
import test from 'ava';
import { ChunkOrigins } from '../../src/p2p/chunk-origins.js';
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const chunk = (u, c, n) => ({ uncompressedOffset: u, compressedOffset: c, stored: { length: n } });
test('a range is counted chunk by chunk from its start, by where each chunk came from', (t) => {
    const o = new ChunkOrigins();
    o.record(A, 'origin', [chunk(0, 0, 100), chunk(4096, 100, 50)]);
    o.record(A, 'peer', [chunk(8192, 150, 70), chunk(12288, 220, 30)]);
    t.deepEqual(o.countIn(A, 0, 250), { origin: 2, peer: 2 });
    t.deepEqual(o.countIn(A, 150, 250), { origin: 0, peer: 2 });
    // A range that does not start or end on a known chunk counts what it covers whole from its start.
    t.deepEqual(o.countIn(A, 0, 200), { origin: 2, peer: 0 });
    t.deepEqual(o.countIn(A, 10, 250), { origin: 0, peer: 0 });
    t.deepEqual(o.countIn(B, 0, 250), { origin: 0, peer: 0 });
    // A later record of the same chunk replaces the earlier.
    o.record(A, 'origin', [chunk(8192, 150, 70)]);
    t.deepEqual(o.countIn(A, 150, 250), { origin: 1, peer: 1 });
    t.is(o.size, 4);
});
test('past its bound the oldest blob is dropped whole, never the one being recorded', (t) => {
    const o = new ChunkOrigins(3);
    o.record(A, 'peer', [chunk(0, 0, 10), chunk(4096, 10, 10)]);
    o.record(B, 'peer', [chunk(0, 0, 10), chunk(4096, 10, 10)]);
    t.is(o.size, 2);
    t.deepEqual(o.countIn(A, 0, 20), { origin: 0, peer: 0 });
    t.deepEqual(o.countIn(B, 0, 20), { origin: 0, peer: 2 });
    o.record(B, 'peer', [chunk(8192, 20, 10), chunk(12288, 30, 10)]);
    t.is(o.size, 4, 'a single blob over the bound is kept: it is the one being fetched');
});
//# sourceMappingURL=chunk-origins.test.js.map