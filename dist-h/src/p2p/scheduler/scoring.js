/** 1 when the locality keys the requester has all match, 0 when the most significant one differs. */
export function localityScore(requester, candidate, keys) {
    let levels = 0;
    let matched = 0;
    let stillMatching = true;
    for (const key of keys) {
        const mine = requester[key];
        if (mine === undefined || mine === '')
            continue;
        levels += 1;
        if (stillMatching && candidate[key] === mine)
            matched += 1;
        else
            stillMatching = false;
    }
    return levels === 0 ? 0 : matched / levels;
}
/** Free share of upload slots, counting handed-out-but-unreported assignments as busy. */
export function freeSlots(peer) {
    if (peer.uploadCapacity <= 0)
        return 0;
    const busy = peer.currentUploads + peer.assigned;
    return Math.max(0, (peer.uploadCapacity - busy) / peer.uploadCapacity);
}
/** Whether a peer may be handed out as a parent at all (capacity, bad-data exclusion). */
export function isEligibleParent(peer, history, now) {
    if (peer.uploadCapacity <= 0)
        return false;
    if (history !== undefined && history.badUntil > now)
        return false;
    return true;
}
/** Ranks the candidates best first. See the header for the formula. */
export function rankCandidates(input) {
    const { requester, histories, now, config } = input;
    const eligible = [];
    for (const peer of input.candidates) {
        if (peer.hostId === requester.hostId)
            continue;
        if (input.exclude?.has(peer.hostId))
            continue;
        if (!isEligibleParent(peer, histories.get(peer.hostId), now))
            continue;
        eligible.push(peer);
    }
    let maxBytes = 0;
    let maxThroughput = 0;
    for (const peer of eligible) {
        maxBytes = Math.max(maxBytes, peer.uploadBytes);
        maxThroughput = Math.max(maxThroughput, histories.get(peer.hostId)?.throughput ?? 0);
    }
    const w = config.weights;
    const totalWeight = w.locality + w.load + w.history + w.seed;
    const ranked = eligible.map((peer) => {
        const history = histories.get(peer.hostId);
        const locality = localityScore(requester.labels, peer.labels, config.localityKeys);
        const free = freeSlots(peer);
        const quiet = maxBytes > 0 ? 1 - peer.uploadBytes / maxBytes : 1;
        const load = 0.75 * free + 0.25 * quiet;
        const success = history?.success ?? 1;
        const throughput = history !== undefined && history.throughput > 0 && maxThroughput > 0
            ? history.throughput / maxThroughput
            : 0.5;
        const hist = 0.75 * success + 0.25 * throughput;
        const seed = peer.isSeed ? 1 : 0;
        const raw = w.locality * locality + w.load * load + w.history * hist + w.seed * seed;
        const score = totalWeight > 0 ? raw / totalWeight : 0;
        return { peer, score, saturated: free <= 0 };
    });
    ranked.sort((a, b) => {
        if (a.saturated !== b.saturated)
            return a.saturated ? 1 : -1;
        if (a.score !== b.score)
            return b.score - a.score;
        return a.peer.hostId < b.peer.hostId ? -1 : a.peer.hostId > b.peer.hostId ? 1 : 0;
    });
    return ranked;
}
//# sourceMappingURL=scoring.js.map