import test from 'ava';
import { RecentChunks } from '../../src/fetch/recent-chunks.js';
const bytes = (n, fill) => Buffer.alloc(n, fill);
test('keeps the chunks used last within the budget, per blob and offset', (t) => {
    const recent = new RecentChunks(300);
    recent.put('a', 0, bytes(100, 1));
    recent.put('a', 4096, bytes(100, 2));
    recent.put('b', 0, bytes(100, 3));
    t.is(recent.bytes, 300);
    t.deepEqual(recent.get('b', 0), bytes(100, 3), 'same offset, other blob');
    t.true(recent.get('a', 0).equals(bytes(100, 1)), 'a hit makes it the most recent');
    recent.put('c', 0, bytes(100, 4)); // over budget: the least recently used (a:4096) goes
    t.is(recent.get('a', 4096), undefined);
    t.truthy(recent.get('a', 0));
    t.truthy(recent.get('b', 0));
    t.is(recent.bytes, 300);
    t.is(recent.size, 3);
});
test('replacing an entry counts it once; oversized chunks and a zero budget keep nothing; delete forgets', (t) => {
    const recent = new RecentChunks(250);
    recent.put('a', 0, bytes(100, 1));
    recent.put('a', 0, bytes(120, 2));
    t.is(recent.bytes, 120);
    t.deepEqual(recent.get('a', 0), bytes(120, 2));
    recent.put('a', 8192, bytes(251, 3));
    t.is(recent.get('a', 8192), undefined, 'larger than the whole budget');
    recent.delete('a', 0);
    t.is(recent.bytes, 0);
    t.is(recent.get('a', 0), undefined);
    const none = new RecentChunks(0);
    none.put('a', 0, bytes(1, 1));
    t.is(none.size, 0);
});
test('deleteBlob forgets every chunk of one blob and no other', (t) => {
    const recent = new RecentChunks(1000);
    recent.put('a', 0, bytes(100, 1));
    recent.put('a', 4096, bytes(100, 2));
    recent.put('ab', 0, bytes(100, 3));
    recent.put('b', 0, bytes(100, 4));
    recent.deleteBlob('a');
    t.is(recent.get('a', 0), undefined);
    t.is(recent.get('a', 4096), undefined);
    t.deepEqual(recent.get('ab', 0), bytes(100, 3), 'a blob whose id starts with the same characters stays');
    t.deepEqual(recent.get('b', 0), bytes(100, 4));
    t.is(recent.bytes, 200);
    t.is(recent.size, 2);
});
//# sourceMappingURL=recent-chunks.test.js.map