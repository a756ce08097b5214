import test from 'ava';
import { selectPrefetch } from '../../converter/prefetch.js';
import { accessOrderChunks, blobOrderForTrace } from '../../converter/trace-layout.js';
import { HOLE } from '../../src/format/model.js';
const attrs = { permissions: 0o644, uid: 0, gid: 0, mtime: 0, mtimeNsec: 0, xattrs: new Map() };
function file(chunks, size = chunks.length * 4096) {
    return { kind: 'file', size, chunks, ...attrs };
}
function dir(entries) {
    return { kind: 'dir', entries: new Map(Object.entries(entries)), ...attrs, permissions: 0o755 };
}
/** Chunks in two blobs, stored in table order: blob 0 holds 0..5, blob 1 holds 6..8. */
function table() {
    const out = [];
    for (let i = 0; i < 9; i++) {
        const blobIndex = i < 6 ? 0 : 1;
        const k = blobIndex === 0 ? i : i - 6;
        out.push({ blobIndex, compressedOffset: k * 100, compressedSize: 100, uncompressedOffset: k * 4096, uncompressedSize: 4096, flags: 0, digest: new Uint8Array(32) });
    }
    return out;
}
test('access order: file by file, chunk by chunk, each chunk once, holes skipped', (t) => {
    t.deepEqual(accessOrderChunks([file([4, 5]), file([HOLE, 1, 4]), file([7, 1, 2])]), [4, 5, 1, 7, 2]);
});
test('each blob starts with its traced chunks in access order; the rest follows in stored order', (t) => {
    const chunks = table();
    // Chunk 7 is in blob 1: it stays there (where it was first stored), at the front of blob 1.
    const order = accessOrderChunks([file([4, 5]), file([7, 1])]);
    t.deepEqual(blobOrderForTrace(chunks, 0, order), [4, 5, 1, 0, 2, 3]);
    t.deepEqual(blobOrderForTrace(chunks, 1, order), [7, 6, 8]);
    t.is(blobOrderForTrace(chunks, 1, [6, 1]), undefined, 'already first: the blob is left alone');
    t.is(blobOrderForTrace(chunks, 0, [7, 8]), undefined, 'nothing traced in this blob');
    // Stored order, not table order, decides the rest.
    chunks[2].compressedOffset = 1000;
    t.deepEqual(blobOrderForTrace(chunks, 0, [5]), [5, 0, 1, 3, 4, 2]);
});
test('the prefetch list: the trace in its order, then the patterns\' files not listed yet', (t) => {
    const a = file([0]);
    const b = file([1]);
    const c = file([2]);
    const empty = file([], 0);
    const root = dir({ bin: dir({ a, b }), etc: dir({ c, empty }) });
    const trace = { files: [{ path: '/etc/c', ranges: [] }, { path: '/missing', ranges: [] }, { path: '/bin', ranges: [] }, { path: '/bin/a', ranges: [] }, { path: '/etc/empty', ranges: [] }] };
    const selected = selectPrefetch(root, ['/bin', '/nothing'], trace);
    t.deepEqual(selected.files, [c, a, b]);
    t.deepEqual(selected.traced, [c, a]);
    t.deepEqual(selected.unmatched, ['/missing', '/bin', '/nothing'], 'a directory in a trace names no file');
    t.deepEqual(selectPrefetch(root, ['/etc'], undefined).files, [c]);
});
//# sourceMappingURL=trace-layout.test.js.map