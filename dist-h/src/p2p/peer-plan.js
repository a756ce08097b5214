function plannedParents(groups, hostIds) {
    let waitUntil = 0;
    const parents = hostIds.map((hostId) => {
        let peerUrl = '';
        let inProgress = false;
        for (const g of groups) {
            for (const p of g.parents) {
                if (p.hostId !== hostId)
                    continue;
                peerUrl ||= p.peerUrl;
                if (p.inProgress) {
                    inProgress = true;
                    waitUntil = Math.max(waitUntil, g.leaseDeadline);
                }
            }
        }
        return { hostId, peerUrl, inProgress };
    });
    return { parents, waitUntil };
}
/** `chunkOffsets`: the range's chunks in request (stored) order. */
export function planRange(groups, chunkOffsets) {
    const groupOf = new Map();
    for (const g of groups)
        for (const o of g.offsets)
            groupOf.set(o, g);
    const origin = [];
    const leased = [];
    for (const o of chunkOffsets) {
        const g = groupOf.get(o);
        if (g === undefined || g.decision !== 'PARENTS')
            origin.push(o);
        if (g?.decision === 'BACK_TO_SOURCE')
            leased.push(o);
    }
    const all = chunkOffsets.map((o) => groupOf.get(o));
    const decision = chunkOffsets.length === 0 ? 'source'
        : all.every((g) => g?.decision === 'PARENTS') ? 'parents'
            : all.every((g) => g?.decision === 'BACK_TO_SOURCE') ? 'back_to_source'
                : all.every((g) => g === undefined || g.decision === 'SOURCE') ? 'source'
                    : 'mixed';
    if (decision === 'parents') {
        const pgroups = [...new Set(all)];
        const common = pgroups[0].parents.map((p) => p.hostId).filter((h) => pgroups.every((g) => g.parents.some((q) => q.hostId === h)));
        if (common.length > 0)
            return { decision, runs: [{ start: 0, end: chunkOffsets.length, ...plannedParents(pgroups, common) }], origin, leased };
    }
    const runs = [];
    for (let i = 0; i < all.length;) {
        const g = all[i];
        if (g?.decision !== 'PARENTS') {
            i += 1;
            continue;
        }
        let j = i + 1;
        while (j < all.length && all[j] === g)
            j += 1;
        runs.push({ start: i, end: j, ...plannedParents([g], g.parents.map((p) => p.hostId)) });
        i = j;
    }
    return { decision, runs, origin, leased };
}
//# sourceMappingURL=peer-plan.js.map