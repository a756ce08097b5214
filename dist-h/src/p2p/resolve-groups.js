/** The scheduler's answer for `requested` offsets, checked (`selfHostId` is never a parent). */
export function checkResolveGroups(requested, wire, selfHostId) {
    const left = new Set(requested);
    const out = [];
    for (const g of wire ?? []) {
        const offsets = (g.offsets ?? []).filter((o) => left.delete(o)).sort((a, b) => a - b);
        if (offsets.length === 0)
            continue;
        const deadline = Number.isSafeInteger(g.leaseDeadlineUnixMs) && g.leaseDeadlineUnixMs > 0 ? g.leaseDeadlineUnixMs : 0;
        if (g.decision === 'PARENTS') {
            const parents = (g.parents ?? []).filter((p) => p.hostId !== selfHostId && isHttpUrl(p.peerUrl)).map((p) => ({
                hostId: p.hostId,
                peerUrl: p.peerUrl,
                inProgress: p.inProgress === true,
                score: Number.isFinite(p.score) ? p.score : 0,
            }));
            out.push(parents.length > 0
                ? { decision: 'PARENTS', offsets, parents, leaseDeadline: deadline }
                : { decision: 'SOURCE', offsets });
        }
        else if (g.decision === 'BACK_TO_SOURCE') {
            out.push({ decision: 'BACK_TO_SOURCE', offsets, leaseDeadline: deadline });
        }
        else {
            out.push({ decision: 'SOURCE', offsets });
        }
    }
    if (left.size > 0)
        out.push({ decision: 'SOURCE', offsets: [...left].sort((a, b) => a - b) });
    return out;
}
function isHttpUrl(text) {
    if (typeof text !== 'string' || text.length > 2048)
        return false;
    try {
        const u = new URL(text);
        return u.protocol === 'http:' || u.protocol === 'https:';
    }
    catch {
        return false;
    }
}
//# sourceMappingURL=resolve-groups.js.map