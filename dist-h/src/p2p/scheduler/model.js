/**
 * The scheduler's records and tunables, shared by the pure core, the state stores and the gRPC
 * edge. Times are milliseconds since the Unix epoch (from the injected clock); durations are ms.
 */
import { BLOB_ID } from '../../util/hex-id.js';
export const OUTCOMES = ['OK', 'BAD_DATA', 'SLOW', 'UNREACHABLE'];
/** Most recently changed first; ties by id, so that the order is stable. */
export function newestFirst(a, b) {
    return b.updatedAt - a.updatedAt || a.taskId.localeCompare(b.taskId);
}
export const DEFAULT_SCHEDULER_CONFIG = {
    keepaliveIntervalMs: 5_000,
    peerTtlMs: 20_000,
    leaseTtlMs: 30_000,
    maxParents: 4,
    cascadeFanout: 0,
    maxHoldersPerChunk: 64,
    badPeerMs: 60 * 60_000,
    historyTtlMs: 24 * 60 * 60_000,
    historyAlpha: 0.3,
    localityKeys: ['region', 'zone', 'rack'],
    weights: { locality: 0.4, load: 0.3, history: 0.25, seed: 0.05 },
    taskTtlMs: 60 * 60_000,
};
/** Limits on what one request may carry (the gRPC edge enforces them). */
export const LIMITS = {
    /** Offsets per Resolve. */
    resolveOffsets: 4096,
    /** Offsets per Announce, added and removed together. */
    announceOffsets: 65_536,
    hostIdLength: 253,
    peerUrlLength: 2048,
    labels: 32,
    labelLength: 256,
    maxParents: 32,
    imageRefLength: 4096,
    taskIdLength: 128,
    /** A seed's failure reason is cut to this many characters. */
    taskReasonLength: 1024,
    /** Tasks per ListTasks answer (the most recently changed). */
    listedTasks: 1000,
};
const HOST_ID = /^[A-Za-z0-9._:-]+$/;
/** Why a request field is unacceptable, or undefined. Kept here so every edge says the same. */
export function checkHostId(hostId) {
    if (hostId.length === 0 || hostId.length > LIMITS.hostIdLength || !HOST_ID.test(hostId)) {
        return `host_id ${JSON.stringify(hostId.slice(0, 80))} must be 1..${LIMITS.hostIdLength} characters of [A-Za-z0-9._:-]`;
    }
    return undefined;
}
export function checkBlobId(blobId) {
    if (!BLOB_ID.test(blobId)) {
        return `blob_id ${JSON.stringify(blobId.slice(0, 80))} must be 64 lowercase hex digits (the blob's sha256)`;
    }
    return undefined;
}
export function checkOffset(offset) {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset % 4096 !== 0) {
        return `chunk offset ${offset} must be a non-negative multiple of 4096`;
    }
    return undefined;
}
export function checkPeerUrl(url) {
    if (url.length === 0 || url.length > LIMITS.peerUrlLength)
        return 'peer_url must be 1..2048 characters';
    let parsed;
    try {
        parsed = new URL(url);
    }
    catch {
        return `peer_url ${JSON.stringify(url.slice(0, 80))} is not a URL`;
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
        return `peer_url ${JSON.stringify(url.slice(0, 80))} must be http: or https:`;
    }
    return undefined;
}
export function checkLabels(labels) {
    const entries = Object.entries(labels);
    if (entries.length > LIMITS.labels)
        return `at most ${LIMITS.labels} labels`;
    for (const [k, v] of entries) {
        if (k.length === 0 || k.length > LIMITS.labelLength || v.length > LIMITS.labelLength) {
            return `label ${JSON.stringify(k.slice(0, 80))}: keys 1..${LIMITS.labelLength} characters, values up to ${LIMITS.labelLength}`;
        }
    }
    return undefined;
}
//# sourceMappingURL=model.js.map