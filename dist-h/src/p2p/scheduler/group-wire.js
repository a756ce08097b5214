export function groupToWire(g) {
    switch (g.decision) {
        case 'PARENTS':
            return { decision: 'PARENTS', offsets: g.offsets, parents: g.parents, leaseDeadlineUnixMs: g.leaseDeadline };
        case 'BACK_TO_SOURCE':
            return { decision: 'BACK_TO_SOURCE', offsets: g.offsets, parents: [], leaseDeadlineUnixMs: g.leaseDeadline };
        case 'SOURCE':
            return { decision: 'SOURCE', offsets: g.offsets, parents: [], leaseDeadlineUnixMs: 0 };
    }
}
//# sourceMappingURL=group-wire.js.map