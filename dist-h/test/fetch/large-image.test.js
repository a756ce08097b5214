import test from 'ava';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { beforeAllFixture, blobRanges, makeEngine } from './fixture.js';
const KiB = 1024;
const MiB = 1024 * KiB;
// A 104 MiB image of 1 MiB chunks: 26 incompressible 4 MiB files around one 100 KiB file, so it
// is cheap to make (no compression work, one layer) and a read of the small file sits between
// big neighbours in the blob.
const FILES = {};
for (let i = 0; i < 13; i++)
    FILES[`lib/a${String(i).padStart(2, '0')}.bin`] = pseudoRandomBytes(4 * MiB, 100 + i);
FILES['lib/small.bin'] = pseudoRandomBytes(100 * KiB, 7);
for (let i = 0; i < 13; i++)
    FILES[`lib/c${String(i).padStart(2, '0')}.bin`] = pseudoRandomBytes(4 * MiB, 200 + i);
let fixture;
beforeAllFixture(FILES, { chunkSize: MiB }, (f) => (fixture = f));
test('reading one 100 KiB file of a 104 MiB image fetches at most one chunk\'s worth, and nothing the second time', async (t) => {
    t.true(fixture.bootstrap.blobs.reduce((s, b) => s + b.uncompressedSize, 0) >= 100 * MiB);
    const { fetcher } = await makeEngine(t); // default options: 1 MiB requests with read-ahead
    const reader = await fetcher.openImage({ bootstrap: fixture.bootstrap, origin: fixture.source.blobReader() });
    t.teardown(() => reader.close());
    const nid = fixture.nid('/lib/small.bin');
    fixture.proxy.reset();
    t.true((await reader.read(nid, 0, 100 * KiB)).equals(FILES['lib/small.bin']));
    const fetched = fixture.proxy.bytesServed('blob');
    t.true(fetched > 0 && fetched <= MiB, `fetched ${fetched} bytes`);
    t.is(blobRanges(fixture.proxy).length, 1, 'one Range request');
    t.true((await reader.read(nid, 0, 100 * KiB)).equals(FILES['lib/small.bin']));
    t.true((await reader.read(nid, 50 * KiB, 4 * KiB)).equals(FILES['lib/small.bin'].subarray(50 * KiB, 54 * KiB)));
    t.is(fixture.proxy.bytesServed('blob'), fetched, 'the second read fetched nothing');
});
//# sourceMappingURL=large-image.test.js.map