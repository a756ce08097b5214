import test from 'ava';
import { planEviction } from '../../src/cache/eviction-plan.js';
const MiB = 1 << 20;
function blob(n, mib, lastUseSeconds, references = 0) {
    const bytes = mib * MiB;
    return {
        id: n.toString(16).padStart(64, '0'),
        compressedSize: bytes,
        uncompressedSize: bytes,
        allocatedBytes: bytes,
        dataAllocatedBytes: bytes,
        storedAllocatedBytes: 0,
        readyChunks: mib,
        lastUse: new Date(lastUseSeconds * 1000),
        references,
    };
}
const id = (n) => n.toString(16).padStart(64, '0');
test('under the limit nothing goes', (t) => {
    const usage = [blob(1, 4, 10), blob(2, 4, 20)];
    t.deepEqual(planEviction(usage, 8 * MiB, new Set()), { evict: [], evictBytes: 0, totalBytes: 8 * MiB, overBytes: 0 });
});
test('the least recently used go first, only as many as bring the cache under the limit', (t) => {
    const usage = [blob(1, 4, 30), blob(2, 4, 10), blob(3, 4, 20), blob(4, 4, 40)];
    const plan = planEviction(usage, 9 * MiB, new Set());
    t.deepEqual(plan.evict, [id(2), id(3)]);
    t.is(plan.evictBytes, 8 * MiB);
    t.is(plan.overBytes, 0);
    // Equal last use: the id decides, so a plan is the same every time.
    t.deepEqual(planEviction([blob(6, 4, 5), blob(5, 4, 5)], 4 * MiB, new Set()).evict, [id(5)]);
});
test('a blob with a lease or named in use is never evicted, even when the cache stays above the limit', (t) => {
    const usage = [blob(1, 4, 10, 1), blob(2, 4, 20), blob(3, 4, 5), blob(4, 4, 1)];
    const plan = planEviction(usage, 4 * MiB, new Set([id(3)]));
    t.deepEqual(plan.evict, [id(4), id(2)]);
    t.is(plan.overBytes, 4 * MiB, 'blobs 1 and 3 are in use: 8 MiB left for a 4 MiB limit');
    const all = planEviction([blob(1, 4, 10, 2), blob(2, 4, 20, 1)], 0, new Set());
    t.deepEqual(all.evict, []);
    t.is(all.overBytes, 8 * MiB);
});
//# sourceMappingURL=eviction-plan.test.js.map