import test from 'ava';
import { FailedChunks } from '../../src/fetch/failed-chunks.js';
test('a failure is recalled within the memory, not after it, and not once forgotten', (t) => {
    const failed = new FailedChunks(1000);
    const err = new Error('not fetched');
    failed.remember('a', err, 10_000);
    t.is(failed.recall('a', 10_000), err);
    t.is(failed.recall('a', 10_999), err);
    t.is(failed.recall('a', 11_000), undefined);
    t.is(failed.recall('b', 10_000), undefined);
    failed.remember('b', err, 20_000);
    failed.forget('b');
    t.is(failed.recall('b', 20_000), undefined);
});
test('a later failure of the same chunk starts its memory again; the oldest go beyond the bound', (t) => {
    const failed = new FailedChunks(1000, 2);
    failed.remember('a', 'first', 0);
    failed.remember('a', 'second', 900);
    t.is(failed.recall('a', 1500), 'second');
    failed.remember('b', 'b', 1500);
    failed.remember('c', 'c', 1500);
    t.is(failed.recall('a', 1500), undefined, 'the oldest was dropped');
    t.is(failed.recall('b', 1500), 'b');
    t.is(failed.recall('c', 1500), 'c');
});
test('a memory of 0 remembers nothing', (t) => {
    const failed = new FailedChunks(0);
    failed.remember('a', 'x', 0);
    t.is(failed.recall('a', 0), undefined);
});
//# sourceMappingURL=failed-chunks.test.js.map