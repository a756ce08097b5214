import { localityScore, rankCandidates } from './scoring.js';
/** Steps 1–2 of a Resolve: the ranked holders of each offset, and which offsets need a lease. */
export function planResolve(input) {
    const candidateIds = new Set();
    for (const offset of input.offsets) {
        for (const hostId of input.holders.get(offset) ?? [])
            candidateIds.add(hostId);
    }
    const candidates = [];
    for (const hostId of candidateIds) {
        const peer = input.peers.get(hostId);
        if (peer !== undefined)
            candidates.push(peer);
    }
    const ranked = rankCandidates({
        requester: input.requester,
        candidates,
        histories: input.histories,
        exclude: input.exclude,
        now: input.now,
        config: input.config,
    });
    const position = new Map();
    ranked.forEach((r, i) => position.set(r.peer.hostId, i));
    const parents = new Map();
    const needLease = [];
    for (const offset of uniqueSorted(input.offsets)) {
        const usable = [];
        for (const hostId of input.holders.get(offset) ?? []) {
            const at = position.get(hostId);
            if (at !== undefined)
                usable.push(ranked[at]);
        }
        if (usable.length === 0) {
            needLease.push(offset);
            continue;
        }
        usable.sort((a, b) => position.get(a.peer.hostId) - position.get(b.peer.hostId));
        parents.set(offset, usable.slice(0, Math.max(1, input.maxParents)).map(toChoice));
    }
    return { parents, needLease };
}
function toChoice(r) {
    return { hostId: r.peer.hostId, peerUrl: r.peer.peerUrl, inProgress: false, score: round(r.score) };
}
/** Scores travel over the wire; rounding keeps equal inputs visibly equal. */
function round(x) {
    return Math.round(x * 1e6) / 1e6;
}
/** Whether a lease still binds: deadline ahead and its holder registered under the same epoch. */
export function leaseIsLive(lease, holder, now) {
    return lease.deadline > now && holder !== undefined && holder.epoch === lease.epoch;
}
/**
 * Step 4: what a requester does for an offset whose lease is `lease` (as returned by the store's
 * election). `holder` is the lease holder's live record, if it is still registered.
 */
export function decideLeased(requester, lease, holder, exclude, now) {
    if (lease === undefined)
        return { decision: 'SOURCE' };
    if (lease.hostId === requester.hostId && lease.epoch === requester.epoch) {
        return { decision: 'BACK_TO_SOURCE', leaseDeadline: lease.deadline };
    }
    if (!leaseIsLive(lease, holder, now) || exclude.has(lease.hostId) || holder === undefined) {
        return { decision: 'SOURCE' };
    }
    return {
        decision: 'PARENTS',
        parents: [{ hostId: holder.hostId, peerUrl: holder.peerUrl, inProgress: true, score: 0 }],
        leaseDeadline: lease.deadline,
    };
}
/** Step 5: offsets with identical decisions become one group; groups ordered by first offset. */
export function groupDecisions(decisions) {
    const groups = new Map();
    for (const offset of [...decisions.keys()].sort((a, b) => a - b)) {
        const d = decisions.get(offset);
        const key = JSON.stringify(d);
        let group = groups.get(key);
        if (group === undefined) {
            group = d.decision === 'PARENTS'
                ? { decision: 'PARENTS', offsets: [], parents: d.parents, leaseDeadline: d.leaseDeadline }
                : d.decision === 'BACK_TO_SOURCE'
                    ? { decision: 'BACK_TO_SOURCE', offsets: [], leaseDeadline: d.leaseDeadline }
                    : { decision: 'SOURCE', offsets: [] };
            groups.set(key, group);
        }
        group.offsets.push(offset);
    }
    return [...groups.values()];
}
/** Outcome values averaged into `success`. */
const OUTCOME_VALUE = { OK: 1, SLOW: 0.5, UNREACHABLE: 0, BAD_DATA: 0 };
/**
 * Folds one transfer report into a parent's history. BAD_DATA excludes the parent until
 * now + badPeerMs (a later report can only extend that). Throughput is averaged only from reports
 * that moved bytes in a measurable time.
 */
export function applyReport(old, report, now, config) {
    const alpha = config.historyAlpha;
    const prior = old ?? { success: 1, throughput: 0, reports: 0, badUntil: 0, updatedAt: now };
    const success = (1 - alpha) * prior.success + alpha * OUTCOME_VALUE[report.outcome];
    let throughput = prior.throughput;
    if ((report.outcome === 'OK' || report.outcome === 'SLOW') && report.bytes > 0 && report.durationMs > 0) {
        const sample = (report.bytes * 1000) / report.durationMs;
        throughput = prior.throughput > 0 ? (1 - alpha) * prior.throughput + alpha * sample : sample;
    }
    const badUntil = report.outcome === 'BAD_DATA'
        ? Math.max(prior.badUntil, now + config.badPeerMs)
        : prior.badUntil;
    return { success: round(success), throughput: Math.round(throughput), reports: prior.reports + 1, badUntil, updatedAt: now };
}
/**
 * The seed that gets a preheat task: eligible (not excluded for bad data), the best locality match
 * for `labels`, then the most free upload slots, then host id.
 */
export function pickSeed(seeds, histories, labels, now, config) {
    let best;
    for (const peer of seeds) {
        if (!peer.isSeed)
            continue;
        const badUntil = histories.get(peer.hostId)?.badUntil ?? 0;
        if (badUntil > now)
            continue;
        const locality = localityScore(labels, peer.labels, config.localityKeys);
        const free = peer.uploadCapacity > 0
            ? (peer.uploadCapacity - peer.currentUploads - peer.assigned) / peer.uploadCapacity
            : -1;
        const better = best === undefined
            || locality > best.locality
            || (locality === best.locality && free > best.free)
            || (locality === best.locality && free === best.free && peer.hostId < best.peer.hostId);
        if (better)
            best = { peer, locality, free };
    }
    return best?.peer;
}
/** The first parent of every PARENTS group that is not in progress: counted as assigned load. */
export function firstChoices(groups) {
    const ids = new Set();
    for (const g of groups) {
        if (g.decision === 'PARENTS' && g.parents[0] !== undefined && !g.parents[0].inProgress) {
            ids.add(g.parents[0].hostId);
        }
    }
    return [...ids];
}
export function uniqueSorted(values) {
    return [...new Set(values)].sort((a, b) => a - b);
}
//# sourceMappingURL=core.js.map