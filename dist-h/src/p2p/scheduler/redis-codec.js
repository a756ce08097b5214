export function encodePeer(peer) {
    return [
        'url', peer.peerUrl,
        'labels', JSON.stringify(peer.labels),
        'cap', peer.uploadCapacity,
        'seed', peer.isSeed ? 1 : 0,
        'epoch', peer.epoch,
        'reg', peer.registeredAt,
        'seen', peer.lastSeen,
        'uploads', peer.currentUploads,
        'bytes', peer.uploadBytes,
        'assigned', peer.assigned,
    ];
}
export function num(value) {
    const n = Number(value);
    return Number.isFinite(n) && n >= 0 ? n : 0;
}
export function decodePeer(hostId, f) {
    if (f === undefined || f.epoch === undefined || f.url === undefined)
        return undefined;
    let labels = {};
    try {
        const parsed = JSON.parse(f.labels ?? '{}');
        if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
            labels = Object.fromEntries(Object.entries(parsed).filter((e) => typeof e[1] === 'string'));
        }
    }
    catch {
        // A damaged labels field only costs locality.
    }
    return {
        hostId,
        peerUrl: f.url,
        labels,
        uploadCapacity: num(f.cap),
        isSeed: f.seed === '1',
        epoch: f.epoch,
        registeredAt: num(f.reg),
        lastSeen: num(f.seen),
        currentUploads: num(f.uploads),
        uploadBytes: num(f.bytes),
        assigned: num(f.assigned),
    };
}
export function decodeLease(value) {
    const [hostId, epoch, deadline] = value.split('|');
    if (!hostId || !epoch || deadline === undefined)
        return undefined;
    return { hostId, epoch, deadline: num(deadline) };
}
export function decodeRelay(hostId, value) {
    const [epoch, parentHostId, depth, rootHostId, rootEpoch, deadline] = value.split('|');
    if (!epoch || !parentHostId || !rootHostId || !rootEpoch || depth === undefined || deadline === undefined)
        return undefined;
    return { hostId, epoch, parentHostId, depth: num(depth), rootHostId, rootEpoch, deadline: num(deadline) };
}
export function decodeHistory(f) {
    if (f === undefined || f.success === undefined)
        return undefined;
    const success = Number(f.success);
    return {
        success: Number.isFinite(success) ? Math.min(1, Math.max(0, success)) : 1,
        throughput: num(f.throughput),
        reports: num(f.reports),
        badUntil: num(f.badUntil),
        updatedAt: num(f.updatedAt),
    };
}
export function decodeTask(entry) {
    try {
        const t = JSON.parse(entry);
        if (typeof t.taskId !== 'string' || t.kind !== 'preheat' || typeof t.imageRef !== 'string')
            return undefined;
        const digest = typeof t.digest === 'string' ? { digest: t.digest } : {};
        return { taskId: t.taskId, kind: 'preheat', imageRef: t.imageRef, createdAt: num(String(t.createdAt)), expiresAt: num(String(t.expiresAt)), ...digest };
    }
    catch {
        return undefined;
    }
}
export const TASK_STATES = ['QUEUED', 'SUCCEEDED', 'FAILED'];
export function decodeTaskStatus(raw) {
    try {
        const t = JSON.parse(raw);
        if (typeof t.taskId !== 'string' || typeof t.hostId !== 'string' || typeof t.imageRef !== 'string'
            || typeof t.reason !== 'string' || !TASK_STATES.includes(t.state))
            return undefined;
        const updatedAt = num(String(t.updatedAt));
        return {
            taskId: t.taskId,
            hostId: t.hostId,
            imageRef: t.imageRef,
            kind: 'preheat',
            state: t.state,
            reason: t.reason,
            // A status written before tasks recorded their start: its last change is the best guess.
            createdAt: t.createdAt === undefined ? updatedAt : num(String(t.createdAt)),
            updatedAt,
        };
    }
    catch {
        return undefined;
    }
}
//# sourceMappingURL=redis-codec.js.map