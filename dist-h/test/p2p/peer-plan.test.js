/** The peer's pure parts: what to do with a resolve answer, and the data plane's wire rules. */
import test from 'ava';
import { planRange } from '../../src/p2p/peer-plan.js';
import { blobIdOfPath, contentRangeMatches, parseRangeHeader, parseWaitMs, peerBlobPath, tokenAccepted } from '../../src/p2p/peer-protocol.js';
const K = 4096;
const parent = (hostId, inProgress = false) => ({ hostId, peerUrl: `http://${hostId}:8010`, inProgress, score: 0.5 });
test('every chunk held by a common parent: one run over the whole range, best first', (t) => {
    const groups = [
        { decision: 'PARENTS', offsets: [0, K], parents: [parent('a'), parent('b')], leaseDeadline: 0 },
        { decision: 'PARENTS', offsets: [2 * K], parents: [parent('c'), parent('b', true), parent('a')], leaseDeadline: 5000 },
    ];
    const plan = planRange(groups, [0, K, 2 * K]);
    t.is(plan.decision, 'parents');
    t.deepEqual(plan.runs.map((r) => [r.start, r.end, r.parents.map((p) => `${p.hostId}${p.inProgress ? '*' : ''}`)]), [[0, 3, ['a', 'b*']]]);
    t.is(plan.runs[0].waitUntil, 5000);
    t.deepEqual(plan.origin, []);
    t.deepEqual(plan.leased, []);
});
test('parents without one in common: a run per group of consecutive chunks', (t) => {
    const g1 = { decision: 'PARENTS', offsets: [0, 2 * K], parents: [parent('a')], leaseDeadline: 0 };
    const g2 = { decision: 'PARENTS', offsets: [K], parents: [parent('b')], leaseDeadline: 0 };
    const plan = planRange([g1, g2], [0, K, 2 * K]);
    t.deepEqual(plan.runs.map((r) => [r.start, r.end, r.parents[0].hostId]), [[0, 1, 'a'], [1, 2, 'b'], [2, 3, 'a']]);
});
test('mixed: parents for some chunks, the lease for others, origin for the rest', (t) => {
    const groups = [
        { decision: 'BACK_TO_SOURCE', offsets: [0, K], leaseDeadline: 9000 },
        { decision: 'PARENTS', offsets: [2 * K, 3 * K], parents: [parent('a', true)], leaseDeadline: 7000 },
        { decision: 'SOURCE', offsets: [4 * K] },
    ];
    const plan = planRange(groups, [0, K, 2 * K, 3 * K, 4 * K]);
    t.is(plan.decision, 'mixed');
    t.deepEqual(plan.runs.map((r) => [r.start, r.end, r.waitUntil]), [[2, 4, 7000]]);
    t.deepEqual(plan.origin, [0, K, 4 * K]);
    t.deepEqual(plan.leased, [0, K]);
});
test('all back to source, all source, and offsets the answer left out (origin)', (t) => {
    t.like(planRange([{ decision: 'BACK_TO_SOURCE', offsets: [0, K], leaseDeadline: 1 }], [0, K]), { decision: 'back_to_source', runs: [], leased: [0, K] });
    t.like(planRange([{ decision: 'SOURCE', offsets: [0] }], [0]), { decision: 'source', runs: [], leased: [] });
    const partial = planRange([{ decision: 'PARENTS', offsets: [0], parents: [parent('a')], leaseDeadline: 0 }], [0, K]);
    t.is(partial.decision, 'mixed');
    t.deepEqual(partial.origin, [K]);
    t.deepEqual(partial.runs.map((r) => [r.start, r.end]), [[0, 1]]);
});
test('wire rules: blob paths, ranges, content ranges, token, wait', (t) => {
    const id = 'ab'.repeat(32);
    t.is(blobIdOfPath(peerBlobPath(id)), id);
    t.is(blobIdOfPath(`/v2/library/app/blobs/sha256:${id}`), id);
    t.is(blobIdOfPath(`/v2/app/blobs/sha256:${id.toUpperCase()}`), undefined);
    t.is(blobIdOfPath(`/v2/../blobs/sha256:${id}`), undefined);
    t.is(blobIdOfPath(`/v2/app/manifests/latest`), undefined);
    t.deepEqual(parseRangeHeader('bytes=10-19'), { offset: 10, length: 10 });
    for (const bad of [undefined, 'bytes=5-', 'bytes=-5', 'bytes=1-2,4-5', 'bytes=9-3', 'items=1-2', `bytes=0-${'9'.repeat(20)}`])
        t.is(parseRangeHeader(bad), undefined, String(bad));
    t.true(contentRangeMatches('bytes 10-19/100', { offset: 10, length: 10 }));
    t.true(contentRangeMatches('bytes 10-19/*', { offset: 10, length: 10 }));
    t.false(contentRangeMatches('bytes 0-9/100', { offset: 10, length: 10 }));
    t.false(contentRangeMatches(undefined, { offset: 10, length: 10 }));
    t.true(tokenAccepted(undefined, undefined), 'no cluster token: open');
    t.true(tokenAccepted('Bearer s3cret', 's3cret'));
    t.false(tokenAccepted('Bearer s3cret2', 's3cret'));
    t.false(tokenAccepted('Basic s3cret', 's3cret'));
    t.false(tokenAccepted(undefined, 's3cret'));
    t.is(parseWaitMs('1500', 1000), 1000);
    t.is(parseWaitMs('250', 1000), 250);
    t.is(parseWaitMs('-5', 1000), 0);
    t.is(parseWaitMs(undefined, 1000), 0);
});
//# sourceMappingURL=peer-plan.test.js.map