/**
 * The in-memory StateStore: the default for a single scheduler. No I/O and no timers; expiry is
 * decided from the `now` each call passes, so tests drive it with a fake clock.
 */
import { newestFirst } from './model.js';
const chunkKey = (blobId, offset) => `${blobId}:${offset}`;
export class MemoryStore {
    kind = 'memory';
    maxHolders;
    /** chunk → where the next window of its holders starts (with maxHoldersPerChunk). */
    holderCursor = new Map();
    constructor(options = {}) {
        this.maxHolders = Math.max(0, Math.floor(options.maxHoldersPerChunk ?? 0));
    }
    peers = new Map();
    /** chunk → hosts that hold it. */
    chunkHolders = new Map();
    /** host → chunks it holds (the reverse index, to drop a host's holdings at once). */
    held = new Map();
    leases = new Map();
    /** chunk → relay host → its record (the cascade). */
    chunkRelays = new Map();
    histories = new Map();
    tasks = new Map();
    taskListeners = new Set();
    taskStatuses = new Map();
    async registerPeer(peer, ttlMs) {
        this.dropHoldings(peer.hostId);
        this.peers.set(peer.hostId, { record: { ...peer, labels: { ...peer.labels } }, expiresAt: peer.lastSeen + ttlMs });
    }
    async heartbeat(hostId, load, now, ttlMs) {
        const live = this.live(hostId, now);
        if (live === undefined)
            return undefined;
        live.record.currentUploads = load.currentUploads;
        live.record.uploadBytes = load.uploadBytes;
        live.record.assigned = 0;
        live.record.lastSeen = now;
        live.expiresAt = now + ttlMs;
        return copy(live.record);
    }
    async unregisterPeer(hostId) {
        const existed = this.peers.delete(hostId);
        this.dropHoldings(hostId);
        return existed;
    }
    async getPeers(hostIds, now) {
        const out = new Map();
        for (const hostId of hostIds) {
            const live = this.live(hostId, now);
            if (live !== undefined)
                out.set(hostId, copy(live.record));
        }
        return out;
    }
    async listPeers(now) {
        const out = [];
        for (const [hostId] of this.peers) {
            const live = this.live(hostId, now);
            if (live !== undefined)
                out.push(copy(live.record));
        }
        return out.sort((a, b) => (a.hostId < b.hostId ? -1 : a.hostId > b.hostId ? 1 : 0));
    }
    async expirePeers(now) {
        const expired = [];
        for (const [hostId, live] of this.peers) {
            if (live.expiresAt <= now)
                expired.push(hostId);
        }
        for (const hostId of expired) {
            this.peers.delete(hostId);
            this.dropHoldings(hostId);
        }
        for (const [key, lease] of this.leases) {
            if (lease.deadline <= now)
                this.leases.delete(key);
        }
        for (const [key, relays] of this.chunkRelays) {
            for (const [hostId, relay] of relays)
                if (relay.deadline <= now)
                    relays.delete(hostId);
            if (relays.size === 0)
                this.chunkRelays.delete(key);
        }
        return expired.sort();
    }
    async addHoldings(hostId, epoch, blobId, offsets) {
        const peer = this.peers.get(hostId);
        if (peer === undefined || peer.record.epoch !== epoch)
            return false;
        let mine = this.held.get(hostId);
        if (mine === undefined)
            this.held.set(hostId, (mine = new Set()));
        for (const offset of offsets) {
            const key = chunkKey(blobId, offset);
            let hosts = this.chunkHolders.get(key);
            if (hosts === undefined)
                this.chunkHolders.set(key, (hosts = new Set()));
            hosts.add(hostId);
            mine.add(key);
            this.releaseLease(key, hostId);
        }
        return true;
    }
    async removeHoldings(hostId, epoch, blobId, offsets) {
        const peer = this.peers.get(hostId);
        if (peer === undefined || peer.record.epoch !== epoch)
            return false;
        const mine = this.held.get(hostId);
        for (const offset of offsets) {
            const key = chunkKey(blobId, offset);
            mine?.delete(key);
            this.unhold(key, hostId);
            this.releaseLease(key, hostId);
        }
        return true;
    }
    async holders(blobId, offsets) {
        const out = new Map();
        for (const offset of offsets) {
            const key = chunkKey(blobId, offset);
            const hosts = this.chunkHolders.get(key);
            if (hosts === undefined)
                out.set(offset, []);
            else if (this.maxHolders === 0 || hosts.size <= this.maxHolders)
                out.set(offset, [...hosts].sort());
            else
                out.set(offset, this.holderWindow(key, hosts).sort());
        }
        return out;
    }
    holderWindow(key, hosts) {
        const start = (this.holderCursor.get(key) ?? 0) % hosts.size;
        this.holderCursor.set(key, start + this.maxHolders);
        const all = [...hosts];
        const window = all.slice(start, start + this.maxHolders);
        if (window.length < this.maxHolders)
            window.push(...all.slice(0, this.maxHolders - window.length));
        return window;
    }
    async heldCounts(hostIds) {
        return new Map(hostIds.map((h) => [h, this.held.get(h)?.size ?? 0]));
    }
    async acquireLeases(blobId, offsets, holder, ttlMs, now, unlessHeld) {
        // Single-threaded: nothing can interleave between the reads and the writes below.
        const leases = new Map();
        const held = [];
        const ignore = new Set(unlessHeld?.ignore ?? []);
        for (const offset of offsets) {
            const key = chunkKey(blobId, offset);
            const current = this.leases.get(key);
            const mine = current !== undefined && current.hostId === holder.hostId && current.epoch === holder.epoch;
            if (current !== undefined && !mine && current.deadline > now) {
                const owner = this.live(current.hostId, now);
                if (owner !== undefined && owner.record.epoch === current.epoch) {
                    leases.set(offset, { ...current });
                    continue;
                }
            }
            if (!mine && unlessHeld !== undefined) {
                const hosts = this.chunkHolders.get(key) ?? new Set();
                if ([...hosts].some((h) => !ignore.has(h) && this.live(h, now) !== undefined)) {
                    held.push(offset);
                    continue;
                }
            }
            const lease = { hostId: holder.hostId, epoch: holder.epoch, deadline: now + ttlMs };
            this.leases.set(key, lease);
            leases.set(offset, { ...lease });
        }
        return { leases, held: held.sort((a, b) => a - b) };
    }
    async relays(blobId, offsets) {
        const out = new Map();
        for (const offset of offsets) {
            const relays = this.chunkRelays.get(chunkKey(blobId, offset));
            out.set(offset, relays === undefined ? [] : [...relays.values()].map((r) => ({ ...r })));
        }
        return out;
    }
    async putRelays(blobId, relays, _now) {
        for (const { offset, relay } of relays) {
            const key = chunkKey(blobId, offset);
            let map = this.chunkRelays.get(key);
            if (map === undefined)
                this.chunkRelays.set(key, (map = new Map()));
            map.set(relay.hostId, { ...relay });
        }
    }
    async noteAssigned(hostIds) {
        for (const hostId of hostIds) {
            const peer = this.peers.get(hostId);
            if (peer !== undefined)
                peer.record.assigned += 1;
        }
    }
    async getHistories(hostIds, now) {
        const out = new Map();
        for (const hostId of hostIds) {
            const entry = this.histories.get(hostId);
            if (entry === undefined)
                continue;
            if (entry.expiresAt <= now)
                this.histories.delete(hostId);
            else
                out.set(hostId, { ...entry.history });
        }
        return out;
    }
    async updateHistory(hostId, update, now, ttlMs) {
        const old = (await this.getHistories([hostId], now)).get(hostId);
        const proposed = update(old);
        // The bad-data deadline only grows, whatever the update says (same rule as the Redis store).
        const next = { ...proposed, badUntil: Math.max(proposed.badUntil, old?.badUntil ?? 0) };
        this.histories.set(hostId, { history: { ...next }, expiresAt: now + ttlMs });
        return next;
    }
    async pushTask(hostId, task, ttlMs, now) {
        let queue = this.tasks.get(hostId);
        if (queue === undefined)
            this.tasks.set(hostId, (queue = []));
        queue.push({ task: { ...task }, expiresAt: now + ttlMs });
        for (const listener of [...this.taskListeners])
            listener(hostId);
    }
    async takeTasks(hostId, now) {
        const queue = this.tasks.get(hostId) ?? [];
        this.tasks.delete(hostId);
        return queue.filter((q) => q.expiresAt > now).map((q) => q.task);
    }
    async onTask(listener) {
        this.taskListeners.add(listener);
        return () => {
            this.taskListeners.delete(listener);
        };
    }
    async putTaskStatus(status, ttlMs, now) {
        for (const [id, entry] of this.taskStatuses)
            if (entry.expiresAt <= now)
                this.taskStatuses.delete(id);
        this.taskStatuses.set(status.taskId, { status: { ...status }, expiresAt: now + ttlMs });
    }
    async getTaskStatus(taskId, now) {
        const entry = this.taskStatuses.get(taskId);
        return entry !== undefined && entry.expiresAt > now ? { ...entry.status } : undefined;
    }
    async listTaskStatuses(now, limit) {
        return [...this.taskStatuses.values()]
            .filter((entry) => entry.expiresAt > now)
            .map((entry) => ({ ...entry.status }))
            .sort(newestFirst)
            .slice(0, limit);
    }
    async close() {
        this.taskListeners.clear();
    }
    live(hostId, now) {
        const peer = this.peers.get(hostId);
        return peer !== undefined && peer.expiresAt > now ? peer : undefined;
    }
    dropHoldings(hostId) {
        for (const key of this.held.get(hostId) ?? [])
            this.unhold(key, hostId);
        this.held.delete(hostId);
        // Its leases need no scan: they name the old epoch, which no longer matches a live peer.
    }
    unhold(key, hostId) {
        const hosts = this.chunkHolders.get(key);
        if (hosts === undefined)
            return;
        hosts.delete(hostId);
        if (hosts.size === 0) {
            this.chunkHolders.delete(key);
            this.holderCursor.delete(key);
        }
    }
    releaseLease(key, hostId) {
        if (this.leases.get(key)?.hostId === hostId)
            this.leases.delete(key);
    }
}
function copy(peer) {
    return { ...peer, labels: { ...peer.labels } };
}
//# sourceMappingURL=memory-store.js.map