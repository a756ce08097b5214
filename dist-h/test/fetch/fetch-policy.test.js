/**
 * The fetch policy for cold reads, counted at a real registry: a read of a small file fetches it
 * with its small neighbours in one bounded request; a large file read straight through gets a
 * read-ahead window that starts at sequentialStartBytes and grows, never past the file's end; a
 * file of at most sequentialReadAheadBytes read at scattered places (a mapped program) comes
 * whole, and a file read once fetches only its chunk.
 * Each case runs through both ways reads reach the fetch path: file reads (fuse mode) and reads
 * of the blob's address space by block ranges (erofs mode: the kernel reads the blob devices).
 */
import test from 'ava';
import { HOLE } from '../../src/format/model.js';
import { pseudoRandomBytes } from '../harness/layer-tar.js';
import { beforeAllFixture, blobRanges, fetchesIdle, makeEngine } from './fixture.js';
const KiB = 1024;
const CHUNK = 64 * KiB;
/** The settings under test (the defaults are larger; the rules are the same). */
const OPTIONS = { smallFileBytes: 64 * KiB, smallFileRequestBytes: 128 * KiB, sequentialReadAheadBytes: 1024 * KiB, sequentialStartBytes: 128 * KiB };
// Stored in this order (tar order): 20 small files, one large file, 20 small files, a large file
// smaller than sequentialReadAheadBytes (a program's binary), 4 small files.
const FILES = {};
for (let i = 0; i < 20; i++)
    FILES[`a/f${String(i).padStart(2, '0')}`] = pseudoRandomBytes(20 * KiB, 100 + i);
FILES['b/big'] = pseudoRandomBytes(2048 * KiB, 200);
for (let i = 0; i < 4; i++)
    FILES[`c/g${i}`] = pseudoRandomBytes(20 * KiB, 300 + i);
for (let i = 0; i < 16; i++)
    FILES[`d/h${String(i).padStart(2, '0')}`] = pseudoRandomBytes(20 * KiB, 400 + i);
FILES['e/program'] = pseudoRandomBytes(8 * CHUNK, 500);
for (let i = 0; i < 4; i++)
    FILES[`f/t${i}`] = pseudoRandomBytes(20 * KiB, 600 + i);
let fixture;
beforeAllFixture(FILES, { chunkSize: CHUNK }, (f) => (fixture = f));
/** Stored [start, end) of a file in its blob, and its chunks' uncompressed [start, end). */
function where(path) {
    const chunks = fixture.bootstrap.fileChunks(fixture.nid(path)).filter((s) => s !== HOLE).map((s) => fixture.bootstrap.chunk(s));
    const last = chunks[chunks.length - 1];
    return {
        stored: [chunks[0].compressedOffset, last.compressedOffset + last.compressedSize],
        space: [chunks[0].uncompressedOffset, last.uncompressedOffset + last.uncompressedSize],
    };
}
/** Reads `path` whole in `piece`-sized reads, as a file or as its blocks of the blob's space. */
async function readThrough(reader, mode, path, piece) {
    const parts = [];
    if (mode === 'file reads') {
        const size = FILES[path].length;
        for (let at = 0; at < size; at += piece)
            parts.push(await reader.read(fixture.nid(`/${path}`), at, Math.min(piece, size - at)));
        return Buffer.concat(parts);
    }
    const [start, end] = where(`/${path}`).space;
    for (let at = start; at < end; at += piece)
        parts.push(await reader.readBlob(0, at, Math.min(piece, end - at)));
    return Buffer.concat(parts).subarray(0, FILES[path].length);
}
/** `length` bytes of `path` from `offset`: a file read, or a read of its bytes in the blob's space. */
async function readAt(reader, mode, path, offset, length) {
    if (mode === 'file reads')
        return reader.read(fixture.nid(`/${path}`), offset, length);
    return reader.readBlob(0, where(`/${path}`).space[0] + offset, length);
}
/** The stored bytes `ranges` cover inside [start, end). */
function covered(ranges, [start, end]) {
    const marks = new Uint8Array(end - start);
    for (const [a, b] of ranges)
        marks.fill(1, Math.max(0, a - start), Math.max(0, Math.min(end, b) - start));
    return marks.reduce((n, m) => n + m, 0);
}
async function coldReader(t, options = OPTIONS) {
    const { fetcher, metrics } = await makeEngine(t, options);
    const reader = await fetcher.openImage({ bootstrap: fixture.bootstrap, origin: fixture.source.blobReader() });
    t.teardown(() => reader.close());
    fixture.proxy.reset();
    return { reader, idle: () => fetchesIdle(metrics) };
}
for (const mode of ['file reads', 'blob reads']) {
    test.serial(`${mode}: a small file comes with its small neighbours in one request of at most smallFileRequestBytes`, async (t) => {
        const { reader, idle } = await coldReader(t);
        t.true((await readThrough(reader, mode, 'a/f05', 4 * KiB)).equals(FILES['a/f05']));
        await idle();
        const ranges = blobRanges(fixture.proxy);
        t.is(ranges.length, 1, `one request: ${JSON.stringify(ranges)}`);
        const [start, end] = ranges[0];
        t.is(start, where('/a/f05').stored[0], 'it starts at the file read');
        t.true(end - start <= OPTIONS.smallFileRequestBytes, `at most ${OPTIONS.smallFileRequestBytes} bytes, got ${end - start}`);
        t.true(end >= where('/a/f07').stored[1], 'the next small files came with it');
        const requests = fixture.proxy.requests.length;
        t.true((await readThrough(reader, mode, 'a/f06', 4 * KiB)).equals(FILES['a/f06']));
        t.true((await readThrough(reader, mode, 'a/f07', 4 * KiB)).equals(FILES['a/f07']));
        t.is(fixture.proxy.requests.length, requests, 'reading the neighbours sends no request');
    });
    test.serial(`${mode}: reading the small files in stored order fetches them whole, none of the large file after them`, async (t) => {
        const { reader, idle } = await coldReader(t);
        for (let i = 0; i < 20; i++) {
            const path = `a/f${String(i).padStart(2, '0')}`;
            t.true((await readThrough(reader, mode, path, 4 * KiB)).equals(FILES[path]));
        }
        await idle();
        const ranges = blobRanges(fixture.proxy);
        const bigStart = where('/b/big').stored[0];
        t.true(ranges.every(([, end]) => end <= bigStart), `no byte of the large file: ${JSON.stringify(ranges)} (it starts at ${bigStart})`);
        t.true(ranges.length < 20, `fewer requests than files (${ranges.length})`);
    });
    test.serial(`${mode}: a large file read straight through: read-ahead starts small, grows, and stops at the file's end`, async (t) => {
        const { reader, idle } = await coldReader(t);
        t.true((await readThrough(reader, mode, 'b/big', 128 * KiB)).equals(FILES['b/big']));
        await idle();
        const [bigStart, bigEnd] = where('/b/big').stored;
        const ranges = blobRanges(fixture.proxy).sort((x, y) => x[0] - y[0]);
        t.true(ranges.every(([start, end]) => start >= bigStart && end <= bigEnd), `every request inside the file [${bigStart}, ${bigEnd}): ${JSON.stringify(ranges)}`);
        const sizes = ranges.map(([start, end]) => end - start);
        t.true(ranges.length < FILES['b/big'].length / CHUNK, `fewer requests than chunks (${ranges.length})`);
        // The first reads are demand reads of one 128 KiB piece each; what follows them is read-ahead.
        const first = ranges.find(([start]) => start >= bigStart + 256 * KiB);
        t.true(first[1] - first[0] <= OPTIONS.sequentialStartBytes, `the first read-ahead is at most sequentialStartBytes: ${JSON.stringify(first)}`);
        const largest = Math.max(...sizes);
        t.true(largest > 2 * OPTIONS.sequentialStartBytes && largest <= OPTIONS.sequentialReadAheadBytes, `it grew, up to sequentialReadAheadBytes: ${sizes.join(', ')}`);
        const requests = fixture.proxy.requests.length;
        t.true((await readThrough(reader, mode, 'c/g0', 4 * KiB)).equals(FILES['c/g0']));
        t.true(fixture.proxy.requests.length > requests, 'the small file after it was not fetched ahead');
    });
}
for (const mode of ['file reads', 'blob reads']) {
    test.serial(`${mode}: reads of a file no larger than sequentialReadAheadBytes that jump fetch the rest of it, nothing past it`, async (t) => {
        // A jump: farther than maxRequestBytes (the stream's slack) from the read before.
        const { reader, idle } = await coldReader(t, { ...OPTIONS, maxRequestBytes: 128 * KiB });
        const program = FILES['e/program'];
        t.true((await readAt(reader, mode, 'e/program', 0, 4 * KiB)).equals(program.subarray(0, 4 * KiB)));
        const far = 6 * CHUNK + 100;
        t.true((await readAt(reader, mode, 'e/program', far, 4 * KiB)).equals(program.subarray(far, far + 4 * KiB)));
        await idle();
        const stored = where('/e/program').stored;
        const ranges = blobRanges(fixture.proxy);
        t.true(ranges.every(([start, end]) => start >= stored[0] && end <= stored[1]), `every request inside the file ${JSON.stringify(stored)}: ${JSON.stringify(ranges)}`);
        t.is(covered(ranges, stored), stored[1] - stored[0], `the whole file came: ${JSON.stringify(ranges)}`);
        t.true(ranges.length <= 4, `two demand requests and the rest in at most two: ${ranges.length}`);
        const requests = fixture.proxy.requests.length;
        t.true((await readThrough(reader, mode, 'e/program', 64 * KiB)).equals(program));
        t.is(fixture.proxy.requests.length, requests, 'reading all of it sends no request');
    });
    test.serial(`${mode}: one read of such a file fetches only the chunk it reads`, async (t) => {
        const { reader, idle } = await coldReader(t, { ...OPTIONS, maxRequestBytes: 128 * KiB });
        const at = 3 * CHUNK + 100;
        t.true((await readAt(reader, mode, 'e/program', at, 4 * KiB)).equals(FILES['e/program'].subarray(at, at + 4 * KiB)));
        await idle();
        const ranges = blobRanges(fixture.proxy);
        t.is(ranges.length, 1, JSON.stringify(ranges));
        const [start, end] = ranges[0];
        t.true(end - start <= CHUNK + KiB, `one chunk's stored bytes: ${end - start}`);
    });
    test.serial(`${mode}: a small file read right after a large file's chunk gets the first neighbour bound, not a walk's`, async (t) => {
        const { reader, idle } = await coldReader(t);
        const big = FILES['b/big'];
        t.true((await readAt(reader, mode, 'b/big', big.length - 4 * KiB, 4 * KiB)).equals(big.subarray(big.length - 4 * KiB)));
        const before = blobRanges(fixture.proxy).length;
        t.true((await readThrough(reader, mode, 'c/g0', 4 * KiB)).equals(FILES['c/g0']));
        await idle();
        const ranges = blobRanges(fixture.proxy).slice(before);
        t.is(ranges.length, 1, JSON.stringify(ranges));
        const [start, end] = ranges[0];
        t.is(start, where('/c/g0').stored[0]);
        t.true(end - start <= OPTIONS.smallFileRequestBytes, `at most smallFileRequestBytes (${OPTIONS.smallFileRequestBytes}), got ${end - start}`);
    });
}
test.serial('demand requests do not wait for each other: a read is answered while another read\'s request is held at the registry', async (t) => {
    const { reader } = await coldReader(t);
    fixture.proxy.failNext('stall', { kind: 'blob' }, 1);
    let held = 'pending';
    const first = reader.read(fixture.nid('/a/f00'), 0, 4 * KiB).then(() => (held = 'answered'), () => (held = 'failed'));
    while (!fixture.proxy.requests.some((r) => r.kind === 'blob'))
        await new Promise((resolve) => setTimeout(resolve, 10));
    t.true((await reader.read(fixture.nid('/c/g2'), 0, 4 * KiB)).equals(FILES['c/g2'].subarray(0, 4 * KiB)));
    t.is(held, 'pending', 'the first read still waits for its held request');
    t.is(fixture.proxy.requests.filter((r) => r.kind === 'blob').length, 2);
    await reader.close();
    await first;
    t.is(held, 'failed', 'closing the reader ends the held read');
});
//# sourceMappingURL=fetch-policy.test.js.map