// The scheduler client's queue of holding changes (pure): coalescing, batching, putting back.
import test from 'ava';
import { ANNOUNCE_BATCH, AnnounceQueue, announceBatches } from '../../src/p2p/announce-queue.js';
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
test('the last change per chunk wins; malformed offsets are dropped; take empties the queue', (t) => {
    const q = new AnnounceQueue();
    q.add(A, [0, 4096, 8192, 5, -4096], true);
    q.add(A, [4096], false);
    q.add(B, [0], false);
    const [req, ...rest] = q.take();
    t.deepEqual(rest, []);
    t.deepEqual(req, { added: [{ blobId: A, offsets: [0, 8192] }], removed: [{ blobId: A, offsets: [4096] }, { blobId: B, offsets: [0] }], size: 4 });
    t.is(q.size, 0);
    t.deepEqual(q.take(), []);
});
test('requests hold at most ANNOUNCE_BATCH offsets; put back yields to changes queued meanwhile', (t) => {
    const q = new AnnounceQueue();
    const many = Array.from({ length: ANNOUNCE_BATCH + 10 }, (_, i) => i * 4096);
    q.add(A, many, true);
    const requests = q.take();
    t.deepEqual(requests.map((r) => r.size), [ANNOUNCE_BATCH, 10]);
    q.add(A, [0], false); // newer than the unsent "holds 0"
    q.putBack(requests);
    const again = q.take();
    const removed = again.flatMap((r) => r.removed.flatMap((h) => h.offsets));
    const added = again.flatMap((r) => r.added.flatMap((h) => h.offsets));
    t.deepEqual(removed, [0]);
    t.is(added.length, many.length - 1);
    t.false(added.includes(0));
});
test('announceBatches: everything held, in calls of at most ANNOUNCE_BATCH offsets, malformed entries left out', async (t) => {
    const held = [
        { blobId: A, offsets: Array.from({ length: ANNOUNCE_BATCH }, (_, i) => i * 4096) },
        { blobId: 'not-a-blob', offsets: [0] },
        { blobId: B, offsets: [0, 1, 4096] },
    ];
    const batches = [];
    for await (const b of announceBatches(held))
        batches.push(b);
    t.deepEqual(batches.map((b) => b.reduce((n, h) => n + h.offsets.length, 0)), [ANNOUNCE_BATCH, 2]);
    t.deepEqual(batches[1], [{ blobId: B, offsets: [0, 4096] }]);
});
//# sourceMappingURL=announce-queue.test.js.map