import test from 'ava';
import { contiguousRuns, planRanges } from '../../src/fetch/range-plan.js';
/** Chunks back to back from offset 0 with the given stored sizes (a blob's stored order). */
function blob(sizes) {
    let at = 0;
    return sizes.map((s) => {
        const c = { compressedOffset: at, compressedSize: s };
        at += s;
        return c;
    });
}
const shape = (ranges) => ranges.map((r) => [r.offset, r.length, r.chunks.length, r.readAhead]);
test('merging: touching chunks up to the limit, gaps never bridged, big chunks alone', (t) => {
    const b = blob([100, 100, 100, 100, 500, 100, 2000, 100]);
    const table = [
        ['one chunk', [0], 1000, [[0, 100, 1, 0]]],
        ['touching chunks merge', [0, 1, 2], 1000, [[0, 300, 3, 0]]],
        ['input order does not matter, duplicates once', [2, 0, 1, 1], 1000, [[0, 300, 3, 0]]],
        ['a gap (chunk 1 not wanted) splits', [0, 2], 1000, [[0, 100, 1, 0], [200, 100, 1, 0]]],
        ['the limit splits', [0, 1, 2, 3], 250, [[0, 200, 2, 0], [200, 200, 2, 0]]],
        ['exactly the limit fits', [0, 1, 2], 300, [[0, 300, 3, 0]]],
        ['a chunk bigger than the limit is a request of its own', [5, 6, 7], 1000, [[900, 100, 1, 0], [1000, 2000, 1, 0], [3000, 100, 1, 0]]],
        ['nothing wanted', [], 1000, []],
    ];
    for (const [name, wanted, max, want] of table) {
        t.deepEqual(shape(planRanges(wanted.map((i) => b[i]), { maxRequestBytes: max })), want, name);
    }
});
test('read-ahead fills a request with the following absent chunks up to the limit', (t) => {
    const b = blob([100, 100, 100, 100, 500, 100, 2000, 100]);
    const next = (c) => b[b.indexOf(c) + 1];
    const absentExcept = (ready) => (c) => !ready.includes(b.indexOf(c));
    const table = [
        ['fills to the limit', [0], 450, [], [[0, 400, 4, 3]]],
        ['stops before a chunk that does not fit', [0], 800, [], [[0, 400, 4, 3]]],
        ['stops at a ready chunk', [0], 1000, [2], [[0, 200, 2, 1]]],
        ['never past the limit', [3], 550, [], [[300, 100, 1, 0]]],
        ['the end of the blob', [7], 1000, [], [[3000, 100, 1, 0]]],
        ['each range reads ahead; none takes a chunk another range has', [0, 2], 1000, [], [[0, 200, 2, 1], [200, 800, 4, 3]]],
    ];
    for (const [name, wanted, max, ready, want] of table) {
        const ranges = planRanges(wanted.map((i) => b[i]), { maxRequestBytes: max, next, canAdd: absentExcept(ready) });
        t.deepEqual(shape(ranges), want, name);
    }
    // The default: a 100 KiB file in a blob of 1 MiB chunks fetches no more than 1 MiB in all.
    const KiB = 1024;
    const image = blob([1024 * KiB, 100 * KiB, 1024 * KiB, 60 * KiB, 1024 * KiB]);
    const r = planRanges([image[1]], { maxRequestBytes: 1024 * KiB, next: (c) => image[image.indexOf(c) + 1] });
    t.true(r.reduce((s, x) => s + x.length, 0) <= 1024 * KiB);
});
test('contiguous runs ignore the size limit', (t) => {
    const b = blob([100, 100, 100, 100]);
    t.deepEqual(shape(contiguousRuns([b[3], b[0], b[1]])), [[0, 200, 2, 0], [300, 100, 1, 0]]);
});
//# sourceMappingURL=range-plan.test.js.map