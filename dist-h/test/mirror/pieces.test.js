import test from 'ava';
import { createHash } from 'node:crypto';
import { encodePieceList, isComplete, maxPieceListBytes, parsePartialPieceList, parsePieceList, pieceCount, pieceExtent, pieceRecords, validPieceSize } from '../../src/mirror/pieces.js';
import { routeOf, registryHost } from '../../src/mirror/routes.js';
const digest = (i) => createHash('sha256').update(String(i)).digest();
test('pieces cut a blob into fixed-size extents, the last one short', (t) => {
    t.is(pieceCount(10 << 20, 4 << 20), 3);
    t.deepEqual(pieceExtent(10 << 20, 4 << 20, 2), { offset: 8 << 20, length: 2 << 20 });
    const records = pieceRecords({ size: 10 << 20, pieceSize: 4 << 20, digests: [digest(0), digest(1), digest(2)] });
    t.deepEqual(records.map((r) => [r.compressedOffset, r.compressedSize, r.uncompressedOffset, r.uncompressedSize, r.flags]), [
        [0, 4 << 20, 0, 4 << 20, 0],
        [4 << 20, 4 << 20, 4 << 20, 4 << 20, 0],
        [8 << 20, 2 << 20, 8 << 20, 2 << 20, 0],
    ]);
    t.true(validPieceSize(1 << 20));
    t.false(validPieceSize(3 << 20));
    t.false(validPieceSize(1 << 12));
});
test('a piece list round-trips, and malformed or foreign lists are refused', (t) => {
    const list = { size: 5_000_000, pieceSize: 1 << 20, digests: Array.from({ length: 5 }, (_, i) => digest(i)) };
    const bytes = encodePieceList(list);
    t.deepEqual(parsePieceList(bytes, 5_000_000), list);
    t.is(parsePieceList(bytes, 5_000_001), undefined, 'another size');
    t.is(parsePieceList(bytes.subarray(0, bytes.length - 1), 5_000_000), undefined, 'truncated');
    t.is(parsePieceList(Buffer.concat([bytes, Buffer.alloc(32)]), 5_000_000), undefined, 'a digest too many');
    const badMagic = Buffer.from(bytes);
    badMagic[0] = 0;
    t.is(parsePieceList(badMagic, 5_000_000), undefined, 'magic');
    const badPiece = Buffer.from(bytes);
    badPiece.writeUInt32BE(3 << 20, 12);
    t.is(parsePieceList(badPiece, 5_000_000), undefined, 'piece size not a power of two');
    t.is(parsePieceList(Buffer.alloc(3), 5_000_000), undefined, 'shorter than the header');
    t.true(maxPieceListBytes(5_000_000) >= bytes.length);
});
test('a partial piece list (the first pieces of a blob still being fetched) parses as partial only', (t) => {
    const size = 5 * 65536 + 100;
    const digests = Array.from({ length: 6 }, (_, i) => createHash('sha256').update(`piece ${i}`).digest());
    const partial = encodePieceList({ size, pieceSize: 65536, digests: digests.slice(0, 2) });
    const parsed = parsePartialPieceList(partial, size);
    t.deepEqual(parsed?.digests, digests.slice(0, 2));
    t.false(isComplete(parsed));
    t.is(parsePieceList(partial, size), undefined, 'a partial list is not a whole one');
    t.is(parsePartialPieceList(partial, size + 1), undefined, 'another size');
    t.is(parsePartialPieceList(partial.subarray(0, partial.length - 1), size), undefined, 'a cut digest');
    t.is(parsePartialPieceList(encodePieceList({ size: 65536, pieceSize: 65536, digests: digests.slice(0, 2) }), 65536), undefined, 'more digests than pieces');
    const whole = parsePartialPieceList(encodePieceList({ size, pieceSize: 65536, digests }), size);
    t.true(isComplete(whole));
    t.deepEqual(parsePartialPieceList(encodePieceList({ size, pieceSize: 65536, digests: [] }), size)?.digests, [], 'none known yet');
});
test('mirror routes: manifests, blobs and the registry a request is for', (t) => {
    t.deepEqual(routeOf('/v2/'), { kind: 'base' });
    t.deepEqual(routeOf('/v2/library/app/manifests/1.0'), { kind: 'manifest', repo: 'library/app', reference: '1.0' });
    const d = `sha256:${'a'.repeat(64)}`;
    t.deepEqual(routeOf(`/v2/app/blobs/${d}`), { kind: 'blob', repo: 'app', digest: d });
    t.deepEqual(routeOf('/v2/app/blobs/sha256:xyz'), { kind: 'other' });
    t.deepEqual(routeOf('/v2/../etc/manifests/x'), { kind: 'other' });
    t.is(registryHost('docker.io', 'x'), 'registry-1.docker.io');
    t.is(registryHost(null, 'quay.io'), 'quay.io');
    t.is(registryHost('evil/host', 'x'), undefined);
});
//# sourceMappingURL=pieces.test.js.map