import test from 'ava';
import { FileExtents } from '../../src/fetch/file-extents.js';
import { initialWalkState, mayAddNeighbour, neighbourBound } from '../../src/fetch/neighbours.js';
import { planRanges } from '../../src/fetch/range-plan.js';
/** One blob of files stored back to back in the given order; each file's chunks as given sizes. */
function blobOf(files) {
    let at = 0;
    const byFile = files.map((sizes) => sizes.map((s) => {
        const c = { blobIndex: 0, compressedOffset: at, compressedSize: s };
        at += s;
        return c;
    }));
    return { chunks: byFile.flat(), files: byFile, map: FileExtents.of(byFile) };
}
function plan(b, wanted, policy, maxRequestBytes = 1 << 20, ready = []) {
    return planRanges(wanted, {
        maxRequestBytes,
        next: (c) => b.chunks[b.chunks.indexOf(c) + 1],
        canAdd: (c, range) => !ready.includes(c) && mayAddNeighbour((x) => b.map.of(x), policy, range, c),
    }).map((r) => [r.offset, r.length, r.chunks.length]);
}
const policy = { smallFileBytes: 100, requestBytes: 300 };
test('a small file comes whole with the small files stored after it, whole files only, up to the bound', (t) => {
    // Files: 0: 60 | 1: 30+30 | 2: 80 | 3: 90 | 4: 500 (large) | 5: 10
    const b = blobOf([[60], [30, 30], [80], [90], [500], [10]]);
    const [f0, f1, f2, f3, f4] = b.files;
    t.deepEqual(plan(b, [f0[0]], { smallFileBytes: 100, requestBytes: 250 }), [[0, 200, 4]], 'files 0, 1 (both chunks), 2; file 3 would pass the bound');
    t.deepEqual(plan(b, [f0[0]], policy), [[0, 290, 5]], 'files 0 to 3; the large file 4 is never added');
    t.deepEqual(plan(b, [f1[0]], policy), [[60, 230, 4]], 'file 1 whole, then 2 and 3');
    t.deepEqual(plan(b, [f3[0]], policy), [[200, 90, 1]], 'a large file stored next ends the request');
    t.deepEqual(plan(b, [f4[0]], policy), [[290, 500, 1]], 'a read of a large file fetches only its chunks, not the small file after it');
    t.deepEqual(plan(b, [f0[0]], policy, 1 << 20, [f2[0]]), [[0, 120, 3]], 'a ready chunk ends the request');
    t.deepEqual(plan(b, [f0[0]], policy, 100), [[0, 90, 2]], 'maxRequestBytes still bounds it (a file may be cut)');
    t.deepEqual(plan(b, [f0[0]], { smallFileBytes: 0, requestBytes: 300 }), [[0, 60, 1]], 'smallFileBytes 0: no file is small');
    t.deepEqual(plan(b, [f2[0], f3[0]], policy), [[120, 170, 2]], 'reads of several files: what they need, then neighbours');
});
test('the rest of a large file read in the middle is not added; a chunk no file names is never added', (t) => {
    const b = blobOf([[200, 200], [50]]);
    t.deepEqual(plan(b, [b.files[0][0]], policy), [[0, 200, 1]]);
    const orphan = { blobIndex: 0, compressedOffset: 450, compressedSize: 10 };
    const chunks = [...b.chunks, orphan];
    const r = planRanges([b.files[1][0]], {
        maxRequestBytes: 1 << 20,
        next: (c) => chunks[chunks.indexOf(c) + 1],
        canAdd: (c, range) => mayAddNeighbour((x) => b.map.of(x), policy, range, c),
    });
    t.deepEqual(r.map((x) => [x.offset, x.length]), [[400, 50]]);
});
test('the neighbour bound doubles while each miss comes right after what the last request brought, and starts again otherwise', (t) => {
    const s = initialWalkState();
    const base = { smallFileBytes: 100, requestBytes: 1000 };
    const seen = [0, 1000, 3000, 7000, 15000, 23000, 31000].map((o) => neighbourBound(s, o, base, 8000, true));
    t.deepEqual(seen, [1000, 2000, 4000, 8000, 8000, 8000, 8000]);
    t.is(neighbourBound(s, 100, base, 8000, true), 1000, 'a miss behind the last one starts again');
    t.is(neighbourBound(s, 1100, base, 8000, true), 2000);
    t.is(neighbourBound(s, 1100 + 2001, base, 8000, true), 1000, 'a miss past what the last request could bring starts again');
    t.is(neighbourBound(s, 3200, base, 8000, true), 2000);
    t.is(neighbourBound(s, 3300, base, 8000, false), 1000, 'a miss whose previous chunk is not in hand starts again');
    t.is(neighbourBound(s, 3400, base, 1000, true), 1000, 'never above the maximum (nor below the base)');
});
//# sourceMappingURL=neighbours.test.js.map