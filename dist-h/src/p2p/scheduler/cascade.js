import { isEligibleParent } from './scoring.js';
/** Whether a recorded relay still counts for `lease`: same lease, deadline ahead, same registration. */
export function relayIsLive(relay, lease, peer, now) {
    return relay.rootHostId === lease.hostId
        && relay.rootEpoch === lease.epoch
        && relay.deadline > now
        && peer !== undefined
        && peer.epoch === relay.epoch;
}
/** The in-progress parents of the requester for `offsets`, and its relay records. */
export function decideCascade(input) {
    const { requester, lease, holder, now } = input;
    const offsets = [...new Set(input.offsets)].sort((a, b) => a - b);
    // Per offset: live relays by host, children per parent, and the requester's own depth.
    let ownDepth = Infinity;
    const relayDepth = new Map();
    const relayCount = new Map();
    const children = new Map();
    for (const offset of offsets) {
        const perParent = new Map();
        for (const relay of input.relays.get(offset) ?? []) {
            const peer = relay.hostId === requester.hostId ? requester : input.peers.get(relay.hostId);
            if (!relayIsLive(relay, lease, peer, now))
                continue;
            if (relay.hostId === requester.hostId) {
                ownDepth = Math.min(ownDepth, relay.depth);
                continue;
            }
            perParent.set(relay.parentHostId, (perParent.get(relay.parentHostId) ?? 0) + 1);
            relayCount.set(relay.hostId, (relayCount.get(relay.hostId) ?? 0) + 1);
            relayDepth.set(relay.hostId, Math.max(relayDepth.get(relay.hostId) ?? 0, relay.depth));
        }
        for (const [parent, n] of perParent)
            children.set(parent, Math.max(children.get(parent) ?? 0, n));
    }
    const usable = (peer) => peer.hostId !== requester.hostId
        && !input.exclude.has(peer.hostId)
        && isEligibleParent(peer, input.histories.get(peer.hostId), now);
    const sources = [{ peer: holder, depth: 0, children: children.get(holder.hostId) ?? 0 }];
    for (const [hostId, count] of relayCount) {
        const peer = input.peers.get(hostId);
        const depth = relayDepth.get(hostId);
        if (count !== offsets.length || peer === undefined || hostId === holder.hostId)
            continue;
        if (!usable(peer) || depth >= ownDepth)
            continue;
        sources.push({ peer, depth, children: children.get(hostId) ?? 0 });
    }
    const fanout = Math.max(1, input.fanout);
    sources.sort((a, b) => {
        const fullA = a.children >= fanout;
        const fullB = b.children >= fanout;
        if (fullA !== fullB)
            return fullA ? 1 : -1;
        const loadA = a.peer.currentUploads + a.peer.assigned;
        const loadB = b.peer.currentUploads + b.peer.assigned;
        if (loadA !== loadB)
            return loadA - loadB;
        if (a.depth !== b.depth)
            return a.depth - b.depth;
        if (a.children !== b.children)
            return a.children - b.children;
        return a.peer.hostId < b.peer.hostId ? -1 : a.peer.hostId > b.peer.hostId ? 1 : 0;
    });
    const picked = sources.slice(0, Math.max(1, input.maxParents));
    if (!picked.some((s) => s.peer.hostId === holder.hostId))
        picked[picked.length - 1] = sources.find((s) => s.depth === 0);
    const first = picked[0];
    const relay = {
        hostId: requester.hostId,
        epoch: requester.epoch,
        parentHostId: first.peer.hostId,
        depth: first.depth + 1,
        rootHostId: lease.hostId,
        rootEpoch: lease.epoch,
        deadline: lease.deadline,
    };
    return {
        parents: picked.map((s) => ({ hostId: s.peer.hostId, peerUrl: s.peer.peerUrl, inProgress: true, score: 0 })),
        relays: offsets.map((offset) => ({ offset, relay: { ...relay } })),
    };
}
//# sourceMappingURL=cascade.js.map