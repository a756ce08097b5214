/**
 * The cascade's decision (src/p2p/scheduler/cascade.ts), pure: which in-progress peer a requester
 * waits on, and the relay records that make a cold wave a tree.
 */
import test from 'ava';
import { decideCascade } from '../../src/p2p/scheduler/cascade.js';
const NOW = 1_700_000_000_000;
const LEASE = { hostId: 'a', epoch: 'a-e1', deadline: NOW + 30_000 };
function peer(hostId, extra = {}) {
    return {
        hostId, peerUrl: `http://${hostId}.test:8010`, labels: {}, uploadCapacity: 10, isSeed: false,
        epoch: `${hostId}-e1`, registeredAt: NOW, lastSeen: NOW, currentUploads: 0, uploadBytes: 0, assigned: 0, ...extra,
    };
}
/** A cold wave on one chunk: requesters resolve one after the other, each recorded as a relay. */
function wave(requesters, fanout, extra = {}) {
    const relays = [];
    const peers = new Map([['a', peer('a')], ...requesters.map((h) => [h, peer(h)])]);
    const parents = [];
    for (const h of requesters) {
        const decided = decideCascade({
            requester: peers.get(h), offsets: [0], lease: LEASE, holder: peers.get('a'),
            relays: new Map([[0, relays.slice()]]), peers, histories: new Map(), exclude: new Set(), maxParents: 4, fanout, now: NOW, ...extra,
        });
        parents.push(decided.parents.map((p) => p.hostId));
        t0(decided.parents.every((p) => p.inProgress));
        for (const r of decided.relays)
            relays.push(r.relay);
    }
    return { parents, relays };
}
function t0(ok) {
    if (!ok)
        throw new Error('every cascade parent is in progress');
}
test('a cold wave is a tree: each source takes fanout requesters, shallowest first', (t) => {
    const { parents, relays } = wave(['b', 'c', 'd', 'e', 'f', 'g'], 2);
    // a takes b and c; then b and c (depth 1) take two each, in turns (fewer children first).
    t.deepEqual(parents.map((p) => p[0]), ['a', 'a', 'b', 'c', 'b', 'c']);
    t.deepEqual(relays.map((r) => [r.hostId, r.parentHostId, r.depth]), [
        ['b', 'a', 1], ['c', 'a', 1], ['d', 'b', 2], ['e', 'c', 2], ['f', 'b', 2], ['g', 'c', 2],
    ]);
    // The lease holder is always among the parents (the fallback of a failed relay).
    for (const p of parents)
        t.true(p.includes('a'));
    for (const r of relays)
        t.deepEqual([r.rootHostId, r.rootEpoch, r.deadline], ['a', 'a-e1', LEASE.deadline]);
});
test('with a fan-out of 1 the wave is a chain; with a large one it is the old star', (t) => {
    t.deepEqual(wave(['b', 'c', 'd'], 1).parents.map((p) => p[0]), ['a', 'b', 'c']);
    t.deepEqual(wave(['b', 'c', 'd'], 16).parents.map((p) => p[0]), ['a', 'a', 'a']);
});
test('when every source is full, the one with the fewest children is used', (t) => {
    const relays = [
        { hostId: 'b', epoch: 'b-e1', parentHostId: 'a', depth: 1, rootHostId: 'a', rootEpoch: 'a-e1', deadline: LEASE.deadline },
        { hostId: 'c', epoch: 'c-e1', parentHostId: 'b', depth: 2, rootHostId: 'a', rootEpoch: 'a-e1', deadline: LEASE.deadline },
    ];
    const peers = new Map(['a', 'b', 'c', 'd'].map((h) => [h, peer(h)]));
    const decided = decideCascade({
        requester: peers.get('d'), offsets: [0], lease: LEASE, holder: peers.get('a'), relays: new Map([[0, relays]]),
        peers, histories: new Map(), exclude: new Set(), maxParents: 4, fanout: 1, now: NOW,
    });
    // a and b have one child each (full); c has none.
    t.is(decided.parents[0].hostId, 'c');
    t.is(decided.relays[0].relay.depth, 3);
});
test('stale relays, other leases, bad, excluded and zero-capacity peers are not sources', (t) => {
    const rel = (hostId, extra = {}) => ({
        hostId, epoch: `${hostId}-e1`, parentHostId: 'a', depth: 1, rootHostId: 'a', rootEpoch: 'a-e1', deadline: LEASE.deadline, ...extra,
    });
    const peers = new Map([
        ...['a', 'me', 'old', 'other', 'gone', 'epoch', 'bad', 'excl', 'full', 'ok'].map((h) => [h, peer(h)]),
        ['full', peer('full', { uploadCapacity: 0 })],
    ]);
    peers.delete('gone');
    peers.set('epoch', peer('epoch', { epoch: 'epoch-e2' }));
    const relays = [
        rel('old', { deadline: NOW }), rel('other', { rootEpoch: 'a-e0' }), rel('gone'), rel('epoch'),
        rel('bad'), rel('excl'), rel('full'), rel('ok'),
    ];
    const decided = decideCascade({
        requester: peers.get('me'), offsets: [0], lease: LEASE, holder: peers.get('a'), relays: new Map([[0, relays]]),
        peers, histories: new Map([['bad', { success: 1, throughput: 0, reports: 1, badUntil: NOW + 1, updatedAt: NOW }]]),
        exclude: new Set(['excl']), maxParents: 8, fanout: 1, now: NOW,
    });
    // a has its fan-out of children (every live relay of its lease counts), so ok (depth 1) comes first.
    t.deepEqual(decided.parents.map((p) => p.hostId), ['ok', 'a']);
});
test('a relay is only a source for a range when it relays every chunk of it', (t) => {
    const rel = (_offset) => ({ hostId: 'b', epoch: 'b-e1', parentHostId: 'a', depth: 1, rootHostId: 'a', rootEpoch: 'a-e1', deadline: LEASE.deadline });
    const peers = new Map(['a', 'b', 'c'].map((h) => [h, peer(h)]));
    const input = (relays) => ({
        requester: peers.get('c'), offsets: [0, 4096], lease: LEASE, holder: peers.get('a'), relays,
        peers, histories: new Map(), exclude: new Set(), maxParents: 4, fanout: 1, now: NOW,
    });
    t.deepEqual(decideCascade(input(new Map([[0, [rel(0)]], [4096, []]]))).parents.map((p) => p.hostId), ['a']);
    t.deepEqual(decideCascade(input(new Map([[0, [rel(0)]], [4096, [rel(4096)]]]))).parents.map((p) => p.hostId), ['b', 'a']);
});
test('a relay that resolves again never waits on its own subtree', (t) => {
    // b relays from a (depth 1) and has child c (depth 2); b resolves again, having excluded a.
    const relays = [
        { hostId: 'b', epoch: 'b-e1', parentHostId: 'a', depth: 1, rootHostId: 'a', rootEpoch: 'a-e1', deadline: LEASE.deadline },
        { hostId: 'c', epoch: 'c-e1', parentHostId: 'b', depth: 2, rootHostId: 'a', rootEpoch: 'a-e1', deadline: LEASE.deadline },
    ];
    const peers = new Map(['a', 'b', 'c'].map((h) => [h, peer(h)]));
    const decided = decideCascade({
        requester: peers.get('b'), offsets: [0], lease: LEASE, holder: peers.get('a'), relays: new Map([[0, relays]]),
        peers, histories: new Map(), exclude: new Set(), maxParents: 4, fanout: 4, now: NOW,
    });
    t.deepEqual(decided.parents.map((p) => p.hostId), ['a']);
    t.is(decided.relays[0].relay.depth, 1);
});
test('maxParents keeps the lease holder as the last fallback', (t) => {
    const { parents } = wave(['b', 'c', 'd', 'e', 'f', 'g', 'h'], 1, { maxParents: 2 });
    for (const p of parents) {
        t.true(p.length <= 2);
        t.true(p.includes('a'));
    }
    t.deepEqual(parents.at(-1), ['g', 'a']);
});
test('ties on depth and children go to the peer with fewer current uploads, then host id', (t) => {
    const relays = ['b', 'c', 'd'].map((h) => ({ hostId: h, epoch: `${h}-e1`, parentHostId: 'a', depth: 1, rootHostId: 'a', rootEpoch: 'a-e1', deadline: LEASE.deadline }));
    const peers = new Map([['a', peer('a')], ['b', peer('b', { currentUploads: 3 })], ['c', peer('c', { assigned: 1 })], ['d', peer('d')], ['e', peer('e')]]);
    const decided = decideCascade({
        requester: peers.get('e'), offsets: [0], lease: LEASE, holder: peers.get('a'), relays: new Map([[0, relays]]),
        peers, histories: new Map(), exclude: new Set(), maxParents: 4, fanout: 2, now: NOW,
    });
    t.deepEqual(decided.parents.map((p) => p.hostId), ['d', 'c', 'b', 'a']);
});
test('load comes before depth: a deeper relay that has uploaded less is chosen over a busy shallow one', (t) => {
    // b (depth 1) was handed requesters of other chunks since its heartbeat; c (depth 2) was not.
    // Waiting on c spreads the uploads; waiting on b would make the early relays upload every copy.
    const relays = [
        { hostId: 'b', epoch: 'b-e1', parentHostId: 'a', depth: 1, rootHostId: 'a', rootEpoch: 'a-e1', deadline: LEASE.deadline },
        { hostId: 'c', epoch: 'c-e1', parentHostId: 'b', depth: 2, rootHostId: 'a', rootEpoch: 'a-e1', deadline: LEASE.deadline },
    ];
    const peers = new Map([['a', peer('a', { assigned: 5 })], ['b', peer('b', { assigned: 3 })], ['c', peer('c')], ['d', peer('d')]]);
    const decided = decideCascade({
        requester: peers.get('d'), offsets: [0], lease: LEASE, holder: peers.get('a'), relays: new Map([[0, relays]]),
        peers, histories: new Map(), exclude: new Set(), maxParents: 4, fanout: 4, now: NOW,
    });
    t.deepEqual(decided.parents.map((p) => p.hostId), ['c', 'b', 'a']);
    t.is(decided.relays[0].relay.depth, 3);
});
//# sourceMappingURL=cascade.test.js.map