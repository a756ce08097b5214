import test from 'ava';
import { applyReport, decideLeased, groupDecisions, leaseIsLive, pickSeed, planResolve, } from '../../src/p2p/scheduler/core.js';
import { DEFAULT_SCHEDULER_CONFIG } from '../../src/p2p/scheduler/model.js';
import { localityScore, rankCandidates } from '../../src/p2p/scheduler/scoring.js';
const config = DEFAULT_SCHEDULER_CONFIG;
const NOW = 1_700_000_000_000;
function peer(hostId, extra = {}) {
    return {
        hostId,
        peerUrl: `http://${hostId}.test:8010`,
        labels: {},
        uploadCapacity: 10,
        isSeed: false,
        epoch: `${hostId}-e1`,
        registeredAt: NOW,
        lastSeen: NOW,
        currentUploads: 0,
        uploadBytes: 0,
        assigned: 0,
        ...extra,
    };
}
function history(extra = {}) {
    return { success: 1, throughput: 0, reports: 1, badUntil: 0, updatedAt: NOW, ...extra };
}
const order = (ranked) => ranked.map((r) => r.peer.hostId);
test('locality score counts matching levels from the most significant down', (t) => {
    const keys = ['region', 'zone', 'rack'];
    const me = { region: 'eu', zone: 'eu-1a', rack: 'r1' };
    t.is(localityScore(me, { region: 'eu', zone: 'eu-1a', rack: 'r1' }, keys), 1);
    t.is(localityScore(me, { region: 'eu', zone: 'eu-1a', rack: 'r2' }, keys), 2 / 3);
    t.is(localityScore(me, { region: 'eu', zone: 'eu-1b', rack: 'r1' }, keys), 1 / 3);
    t.is(localityScore(me, { region: 'us', zone: 'eu-1a', rack: 'r1' }, keys), 0);
    // Levels the requester has no label for do not count.
    t.is(localityScore({ zone: 'z1' }, { zone: 'z1', rack: 'x' }, keys), 1);
    t.is(localityScore({}, { zone: 'z1' }, keys), 0);
});
test('same rack ranks above same zone, which ranks above another zone', (t) => {
    const me = peer('me', { labels: { zone: 'z1', rack: 'r1' } });
    const ranked = rankCandidates({
        requester: me,
        candidates: [
            peer('other-zone', { labels: { zone: 'z2', rack: 'r1' } }),
            peer('same-zone', { labels: { zone: 'z1', rack: 'r9' } }),
            peer('same-rack', { labels: { zone: 'z1', rack: 'r1' } }),
        ],
        histories: new Map(),
        now: NOW,
        config,
    });
    t.deepEqual(order(ranked), ['same-rack', 'same-zone', 'other-zone']);
});
test('less loaded peers rank first; handed-out assignments count as load', (t) => {
    const me = peer('me');
    const ranked = rankCandidates({
        requester: me,
        candidates: [
            peer('busy', { currentUploads: 8 }),
            peer('idle'),
            peer('assigned', { assigned: 4 }),
            peer('bytes', { uploadBytes: 500_000_000 }),
        ],
        histories: new Map(),
        now: NOW,
        config,
    });
    t.deepEqual(order(ranked), ['idle', 'bytes', 'assigned', 'busy']);
});
test('saturated peers come after every peer with a free slot, whatever their score', (t) => {
    const me = peer('me', { labels: { zone: 'z1' } });
    const ranked = rankCandidates({
        requester: me,
        candidates: [
            peer('full-but-near', { labels: { zone: 'z1' }, isSeed: true, currentUploads: 10 }),
            peer('far-with-room', { labels: { zone: 'z9' }, currentUploads: 9 }),
        ],
        histories: new Map(),
        now: NOW,
        config,
    });
    t.deepEqual(order(ranked), ['far-with-room', 'full-but-near']);
    t.true(ranked[1].saturated);
});
test('success history and throughput order otherwise equal peers', (t) => {
    const me = peer('me');
    const ranked = rankCandidates({
        requester: me,
        candidates: [peer('flaky'), peer('slow'), peer('good'), peer('new')],
        histories: new Map([
            ['flaky', history({ success: 0.4, throughput: 50e6 })],
            ['slow', history({ success: 1, throughput: 1e6 })],
            ['good', history({ success: 1, throughput: 50e6 })],
        ]),
        now: NOW,
        config,
    });
    // "new" has no history: full success prior, neutral throughput.
    t.deepEqual(order(ranked), ['good', 'new', 'slow', 'flaky']);
});
test('never the requester, nor excluded, bad or zero-capacity peers', (t) => {
    const me = peer('me');
    const ranked = rankCandidates({
        requester: me,
        candidates: [me, peer('bad'), peer('excluded'), peer('no-uploads', { uploadCapacity: 0 }), peer('ok'), peer('bad-expired')],
        histories: new Map([
            ['bad', history({ badUntil: NOW + 1 })],
            ['bad-expired', history({ badUntil: NOW })],
        ]),
        exclude: new Set(['excluded']),
        now: NOW,
        config,
    });
    t.deepEqual(order(ranked), ['bad-expired', 'ok']);
});
test('ties break on host id, so equal inputs give equal answers', (t) => {
    const me = peer('me');
    const a = rankCandidates({ requester: me, candidates: [peer('c'), peer('a'), peer('b')], histories: new Map(), now: NOW, config });
    const b = rankCandidates({ requester: me, candidates: [peer('b'), peer('c'), peer('a')], histories: new Map(), now: NOW, config });
    t.deepEqual(order(a), ['a', 'b', 'c']);
    t.deepEqual(a, b);
});
test('planResolve keeps the best holders per offset and lists unheld offsets for a lease', (t) => {
    const me = peer('me', { labels: { zone: 'z1' } });
    const near = peer('near', { labels: { zone: 'z1' } });
    const far = peer('far', { labels: { zone: 'z2' } });
    const plan = planResolve({
        requester: me,
        offsets: [8192, 0, 4096, 12288, 4096],
        holders: new Map([
            [0, ['far', 'near', 'me']],
            [4096, ['far']],
            [8192, ['me', 'gone']],
            [12288, []],
        ]),
        peers: new Map([['me', me], ['near', near], ['far', far]]),
        histories: new Map(),
        exclude: new Set(),
        maxParents: 4,
        now: NOW,
        config,
    });
    t.deepEqual(plan.parents.get(0)?.map((p) => p.hostId), ['near', 'far']);
    t.deepEqual(plan.parents.get(4096)?.map((p) => p.hostId), ['far']);
    // Held only by the requester itself and by a peer that is gone: nobody usable.
    t.deepEqual(plan.needLease, [8192, 12288]);
    t.false(plan.parents.get(0)[0].inProgress);
});
test('planResolve honours maxParents', (t) => {
    const me = peer('me');
    const hosts = ['p1', 'p2', 'p3', 'p4', 'p5'];
    const plan = planResolve({
        requester: me,
        offsets: [0],
        holders: new Map([[0, hosts]]),
        peers: new Map(hosts.map((h) => [h, peer(h)])),
        histories: new Map(),
        exclude: new Set(),
        maxParents: 2,
        now: NOW,
        config,
    });
    t.deepEqual(plan.parents.get(0)?.map((p) => p.hostId), ['p1', 'p2']);
});
test('a lease binds only while its deadline is ahead and its holder keeps the same epoch', (t) => {
    const holder = peer('h');
    const lease = { hostId: 'h', epoch: holder.epoch, deadline: NOW + 1000 };
    t.true(leaseIsLive(lease, holder, NOW));
    t.false(leaseIsLive(lease, holder, NOW + 1000));
    t.false(leaseIsLive(lease, undefined, NOW));
    t.false(leaseIsLive(lease, { ...holder, epoch: 'h-e2' }, NOW));
});
test('decideLeased: own lease → BACK_TO_SOURCE, another live holder → in-progress parent, excluded holder → SOURCE', (t) => {
    const me = peer('me');
    const other = peer('other');
    const deadline = NOW + 5000;
    t.deepEqual(decideLeased(me, { hostId: 'me', epoch: me.epoch, deadline }, me, new Set(), NOW), {
        decision: 'BACK_TO_SOURCE',
        leaseDeadline: deadline,
    });
    t.deepEqual(decideLeased(me, { hostId: 'other', epoch: other.epoch, deadline }, other, new Set(), NOW), {
        decision: 'PARENTS',
        parents: [{ hostId: 'other', peerUrl: other.peerUrl, inProgress: true, score: 0 }],
        leaseDeadline: deadline,
    });
    t.deepEqual(decideLeased(me, { hostId: 'other', epoch: other.epoch, deadline }, other, new Set(['other']), NOW), {
        decision: 'SOURCE',
    });
    t.deepEqual(decideLeased(me, undefined, undefined, new Set(), NOW), { decision: 'SOURCE' });
});
test('groupDecisions merges identical decisions and orders groups by first offset', (t) => {
    const parents = [{ hostId: 'a', peerUrl: 'http://a', inProgress: false, score: 0.5 }];
    const decisions = new Map([
        [12288, { decision: 'BACK_TO_SOURCE', leaseDeadline: 9 }],
        [0, { decision: 'PARENTS', parents, leaseDeadline: 0 }],
        [8192, { decision: 'PARENTS', parents, leaseDeadline: 0 }],
        [4096, { decision: 'BACK_TO_SOURCE', leaseDeadline: 9 }],
        [16384, { decision: 'SOURCE' }],
    ]);
    t.deepEqual(groupDecisions(decisions), [
        { decision: 'PARENTS', offsets: [0, 8192], parents, leaseDeadline: 0 },
        { decision: 'BACK_TO_SOURCE', offsets: [4096, 12288], leaseDeadline: 9 },
        { decision: 'SOURCE', offsets: [16384] },
    ]);
});
test('applyReport: moving averages, and BAD_DATA excludes for badPeerMs', (t) => {
    const cfg = { historyAlpha: 0.5, badPeerMs: 60_000 };
    let h = applyReport(undefined, { bytes: 1_000_000, durationMs: 1000, outcome: 'OK' }, NOW, cfg);
    t.is(h.success, 1);
    t.is(h.throughput, 1_000_000);
    h = applyReport(h, { bytes: 3_000_000, durationMs: 1000, outcome: 'OK' }, NOW, cfg);
    t.is(h.throughput, 2_000_000);
    h = applyReport(h, { bytes: 0, durationMs: 0, outcome: 'UNREACHABLE' }, NOW, cfg);
    t.is(h.success, 0.5);
    t.is(h.throughput, 2_000_000);
    h = applyReport(h, { bytes: 0, durationMs: 0, outcome: 'SLOW' }, NOW, cfg);
    t.is(h.success, 0.5);
    t.is(h.badUntil, 0);
    h = applyReport(h, { bytes: 100, durationMs: 10, outcome: 'BAD_DATA' }, NOW, cfg);
    t.is(h.badUntil, NOW + 60_000);
    t.is(h.reports, 5);
    // A later OK does not lift the exclusion; a later BAD_DATA extends it.
    h = applyReport(h, { bytes: 1, durationMs: 1, outcome: 'OK' }, NOW + 10, cfg);
    t.is(h.badUntil, NOW + 60_000);
    h = applyReport(h, { bytes: 1, durationMs: 1, outcome: 'BAD_DATA' }, NOW + 20, cfg);
    t.is(h.badUntil, NOW + 60_020);
});
test('pickSeed prefers locality, then free slots, skips non-seeds and bad seeds', (t) => {
    const seeds = [
        peer('s-far', { isSeed: true, labels: { zone: 'z2' } }),
        peer('s-near-busy', { isSeed: true, labels: { zone: 'z1' }, currentUploads: 9 }),
        peer('s-near-idle', { isSeed: true, labels: { zone: 'z1' } }),
        peer('s-near-bad', { isSeed: true, labels: { zone: 'z1' } }),
        peer('plain', { labels: { zone: 'z1' } }),
    ];
    const hist = new Map([['s-near-bad', history({ badUntil: NOW + 1 })]]);
    t.is(pickSeed(seeds, hist, { zone: 'z1' }, NOW, config)?.hostId, 's-near-idle');
    t.is(pickSeed(seeds, hist, {}, NOW, config)?.hostId, 's-far');
    t.is(pickSeed([peer('plain')], hist, {}, NOW, config), undefined);
});
//# sourceMappingURL=core.test.js.map