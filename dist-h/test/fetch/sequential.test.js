import test from 'ava';
import { initialSequentialState, observeRead, wantsRestOfFile } from '../../src/fetch/sequential.js';
const MiB = 1 << 20;
const options = { minWindow: MiB, maxWindow: 4 * MiB };
/** Feeds reads ([start, end) stored ranges) and returns what each one asked to fetch ahead. */
function feed(reads, opts = options) {
    const state = initialSequentialState();
    return reads.map(([start, end]) => observeRead(state, start, end, opts));
}
test('one big file read through: the window grows from one request to the maximum, asked in half-window steps', (t) => {
    // Each read is one 1 MiB chunk, the next one each time.
    const reads = Array.from({ length: 8 }, (_, i) => [i * MiB, (i + 1) * MiB]);
    t.deepEqual(feed(reads), [
        undefined, // the first read starts no stream
        { from: 2 * MiB, to: 3 * MiB }, // window 1 MiB
        { from: 3 * MiB, to: 5 * MiB }, // window 2 MiB
        { from: 5 * MiB, to: 8 * MiB }, // window 4 MiB
        undefined, // 3 MiB ahead of the reader (at 5 MiB): at least half a window
        undefined, // 2 MiB ahead: still half a window
        { from: 8 * MiB, to: 11 * MiB }, // 1 MiB left: up to a full window past the read
        undefined,
    ]);
});
test('reads inside the last range change nothing; small files in stored order keep the stream going', (t) => {
    const state = initialSequentialState();
    t.is(observeRead(state, 0, MiB, options), undefined);
    t.is(observeRead(state, 0, MiB, options), undefined, 'the same chunk again (a file read in pieces)');
    t.is(observeRead(state, 4096, 8192, options), undefined, 'inside it');
    t.is(state.hits, 0);
    // Small files stored back to back after it: each continues the stream; requests stay large.
    const asked = [];
    for (let at = MiB; at < 3 * MiB; at += 10_000) {
        const r = observeRead(state, at, at + 10_000, options);
        if (r)
            asked.push(r);
    }
    t.true(asked.length >= 2 && asked.length <= 4, `asked ${asked.length} times`);
    t.true(asked.slice(1).every((r) => r.to - r.from >= MiB / 2), 'never a small stretch after the first');
    for (let i = 1; i < asked.length; i++)
        t.is(asked[i].from, asked[i - 1].to, 'each stretch starts where the last one ended');
});
test('a jump ends the stream; a small step back or gap (kernel readahead out of order) does not', (t) => {
    const state = initialSequentialState();
    observeRead(state, 0, MiB, options);
    t.truthy(observeRead(state, MiB, 2 * MiB, options));
    t.is(state.hits, 1);
    // Starts a little before the last read (within minWindow) and ends past it: still forward.
    observeRead(state, 1.5 * MiB, 2.5 * MiB, options);
    t.is(state.hits, 2);
    // A gap smaller than minWindow: forward.
    observeRead(state, 3 * MiB, 3.5 * MiB, options);
    t.is(state.hits, 3);
    // Concurrent requests arriving out of order: one a little behind the front changes nothing.
    const before = { ...state };
    t.is(observeRead(state, 2.8 * MiB, 3.2 * MiB, options), undefined, 'behind the front, overlapping the last read');
    t.is(observeRead(state, 2.6 * MiB, 2.9 * MiB, options), undefined, 'behind the last read, within minWindow');
    t.deepEqual(state, before, 'the stream is as it was');
    observeRead(state, 3.5 * MiB, 4 * MiB, options);
    t.is(state.hits, 4, 'the next read forward continues it');
    // A jump far ahead: the stream ends.
    t.is(observeRead(state, 100 * MiB, 101 * MiB, options), undefined);
    t.is(state.hits, 0);
    t.is(state.window, 0);
    // A jump back: also a new start.
    t.is(observeRead(state, 0, MiB, options), undefined);
    t.is(state.hits, 0);
});
test('startWindow: a stream may start at the full window', (t) => {
    const reads = Array.from({ length: 4 }, (_, i) => [i * MiB, (i + 1) * MiB]);
    t.deepEqual(feed(reads, { ...options, startWindow: 4 * MiB }), [
        undefined, // the first read starts no stream
        { from: 2 * MiB, to: 6 * MiB }, // the second one asks for the whole window at once
        undefined, // 3 MiB ahead: at least half a window
        undefined, // 2 MiB ahead
    ]);
});
test('random reads of a blob never ask for read-ahead', (t) => {
    const offsets = [37, 3, 91, 12, 58, 7, 77, 24, 66, 45].map((n) => n * MiB);
    t.deepEqual(feed(offsets.map((o) => [o, o + 128 * 1024])), offsets.map(() => undefined));
});
test('maxWindow 0 turns it off; the window never exceeds maxWindow', (t) => {
    const reads = Array.from({ length: 6 }, (_, i) => [i * MiB, (i + 1) * MiB]);
    t.deepEqual(feed(reads, { minWindow: MiB, maxWindow: 0 }), reads.map(() => undefined));
    const state = initialSequentialState();
    for (const [s, e] of Array.from({ length: 50 }, (_, i) => [i * MiB, (i + 1) * MiB])) {
        const r = observeRead(state, s, e, { minWindow: MiB, maxWindow: 2 * MiB });
        t.true(state.window <= 2 * MiB);
        if (r)
            t.true(r.to <= e + 2 * MiB);
    }
});
test('reads of a file that jump ask for the rest of it once, when it fits in one window', (t) => {
    const state = initialSequentialState();
    const fileBytes = 3 * MiB;
    observeRead(state, 0, 64 * 1024, options);
    t.false(wantsRestOfFile(state, fileBytes, options), 'one read: no');
    observeRead(state, 2.5 * MiB, 2.5 * MiB + 16 * 1024, options);
    t.true(wantsRestOfFile(state, fileBytes, options), 'a jump: the rest of the file');
    observeRead(state, MiB, MiB + 16 * 1024, options);
    t.false(wantsRestOfFile(state, fileBytes, options), 'asked once only');
});
test('a file read straight through, one larger than the window, or read-ahead off never asks for the rest', (t) => {
    const straight = initialSequentialState();
    for (let i = 0; i < 4; i++) {
        observeRead(straight, i * MiB, (i + 1) * MiB, options);
        t.false(wantsRestOfFile(straight, 4 * MiB, options), `straight read ${i}`);
    }
    const large = initialSequentialState();
    observeRead(large, 0, MiB, options);
    observeRead(large, 8 * MiB, 9 * MiB, options);
    t.false(wantsRestOfFile(large, 5 * MiB, options), 'larger than maxWindow');
    t.true(wantsRestOfFile(large, 4 * MiB, options), 'the same reads of a file of maxWindow bytes');
    const off = initialSequentialState();
    observeRead(off, 0, MiB, { ...options, maxWindow: 0 });
    observeRead(off, 3 * MiB, 4 * MiB, { ...options, maxWindow: 0 });
    t.false(wantsRestOfFile(off, MiB, { maxWindow: 0 }), 'read-ahead off');
});
//# sourceMappingURL=sequential.test.js.map