/**
 * The in-memory StateStore: the default for a single scheduler. No I/O and no timers; expiry is
 * decided from the `now` each call passes, so tests drive it with a fake clock.
 */
import { newestFirst, type Lease, type PeerHistory, type PeerLoad, type PeerRecord, type Relay, type Task, type TaskStatus } from './model.js';
import type { Election, StateStore } from './store.js';

interface LivePeer {
  record: PeerRecord;
  expiresAt: number;
}

type ChunkKey = string;
const chunkKey = (blobId: string, offset: number): ChunkKey => `${blobId}:${offset}`;

export interface MemoryStoreOptions {
  /**
   * At most this many holders of a chunk are handed to a Resolve (0: all). A chunk that most of
   * a large cluster holds otherwise costs every Resolve a ranking of all of them; a window that
   * moves on by `maxHoldersPerChunk` at each call still hands every holder out in turn.
   */
  maxHoldersPerChunk?: number;
}

export class MemoryStore implements StateStore {
  readonly kind = 'memory';
  private readonly maxHolders: number;
  /** chunk → where the next window of its holders starts (with maxHoldersPerChunk). */
  private readonly holderCursor = new Map<ChunkKey, number>();

  constructor(options: MemoryStoreOptions = {}) {
    this.maxHolders = Math.max(0, Math.floor(options.maxHoldersPerChunk ?? 0));
  }

  private readonly peers = new Map<string, LivePeer>();
  /** chunk → hosts that hold it. */
  private readonly chunkHolders = new Map<ChunkKey, Set<string>>();
  /** host → chunks it holds (the reverse index, to drop a host's holdings at once). */
  private readonly held = new Map<string, Set<ChunkKey>>();
  private readonly leases = new Map<ChunkKey, Lease>();
  /** chunk → relay host → its record (the cascade). */
  private readonly chunkRelays = new Map<ChunkKey, Map<string, Relay>>();
  private readonly histories = new Map<string, { history: PeerHistory; expiresAt: number }>();
  private readonly tasks = new Map<string, Array<{ task: Task; expiresAt: number }>>();
  private readonly taskListeners = new Set<(hostId: string) => void>();
  private readonly taskStatuses = new Map<string, { status: TaskStatus; expiresAt: number }>();

  async registerPeer(peer: PeerRecord, ttlMs: number): Promise<void> {
    this.dropHoldings(peer.hostId);
    this.peers.set(peer.hostId, { record: { ...peer, labels: { ...peer.labels } }, expiresAt: peer.lastSeen + ttlMs });
  }

  async heartbeat(hostId: string, load: PeerLoad, now: number, ttlMs: number): Promise<PeerRecord | undefined> {
    const live = this.live(hostId, now);
    if (live === undefined) return undefined;
    live.record.currentUploads = load.currentUploads;
    live.record.uploadBytes = load.uploadBytes;
    live.record.assigned = 0;
    live.record.lastSeen = now;
    live.expiresAt = now + ttlMs;
    return copy(live.record);
  }

  async unregisterPeer(hostId: string): Promise<boolean> {
    const existed = this.peers.delete(hostId);
    this.dropHoldings(hostId);
    return existed;
  }

  async getPeers(hostIds: readonly string[], now: number): Promise<Map<string, PeerRecord>> {
    const out = new Map<string, PeerRecord>();
    for (const hostId of hostIds) {
      const live = this.live(hostId, now);
      if (live !== undefined) out.set(hostId, copy(live.record));
    }
    return out;
  }

  async listPeers(now: number): Promise<PeerRecord[]> {
    const out: PeerRecord[] = [];
    for (const [hostId] of this.peers) {
      const live = this.live(hostId, now);
      if (live !== undefined) out.push(copy(live.record));
    }
    return out.sort((a, b) => (a.hostId < b.hostId ? -1 : a.hostId > b.hostId ? 1 : 0));
  }

  async expirePeers(now: number): Promise<string[]> {
    const expired: string[] = [];
    for (const [hostId, live] of this.peers) {
      if (live.expiresAt <= now) expired.push(hostId);
    }
    for (const hostId of expired) {
      this.peers.delete(hostId);
      this.dropHoldings(hostId);
    }
    for (const [key, lease] of this.leases) {
      if (lease.deadline <= now) this.leases.delete(key);
    }
    for (const [key, relays] of this.chunkRelays) {
      for (const [hostId, relay] of relays) if (relay.deadline <= now) relays.delete(hostId);
      if (relays.size === 0) this.chunkRelays.delete(key);
    }
    return expired.sort();
  }

  async addHoldings(hostId: string, epoch: string, blobId: string, offsets: readonly number[]): Promise<boolean> {
    const peer = this.peers.get(hostId);
    if (peer === undefined || peer.record.epoch !== epoch) return false;
    let mine = this.held.get(hostId);
    if (mine === undefined) this.held.set(hostId, (mine = new Set()));
    for (const offset of offsets) {
      const key = chunkKey(blobId, offset);
      let hosts = this.chunkHolders.get(key);
      if (hosts === undefined) this.chunkHolders.set(key, (hosts = new Set()));
      hosts.add(hostId);
      mine.add(key);
      this.releaseLease(key, hostId);
    }
    return true;
  }

  async removeHoldings(hostId: string, epoch: string, blobId: string, offsets: readonly number[]): Promise<boolean> {
    const peer = this.peers.get(hostId);
    if (peer === undefined || peer.record.epoch !== epoch) return false;
    const mine = this.held.get(hostId);
    for (const offset of offsets) {
      const key = chunkKey(blobId, offset);
      mine?.delete(key);
      this.unhold(key, hostId);
      this.releaseLease(key, hostId);
    }
    return true;
  }

  async holders(blobId: string, offsets: readonly number[]): Promise<Map<number, string[]>> {
    const out = new Map<number, string[]>();
    for (const offset of offsets) {
      const key = chunkKey(blobId, offset);
      const hosts = this.chunkHolders.get(key);
      if (hosts === undefined) out.set(offset, []);
      else if (this.maxHolders === 0 || hosts.size <= this.maxHolders) out.set(offset, [...hosts].sort());
      else out.set(offset, this.holderWindow(key, hosts).sort());
    }
    return out;
  }

  private holderWindow(key: ChunkKey, hosts: Set<string>): string[] {
    const start = (this.holderCursor.get(key) ?? 0) % hosts.size;
    this.holderCursor.set(key, start + this.maxHolders);
    const all = [...hosts];
    const window = all.slice(start, start + this.maxHolders);
    if (window.length < this.maxHolders) window.push(...all.slice(0, this.maxHolders - window.length));
    return window;
  }

  async heldCounts(hostIds: readonly string[]): Promise<Map<string, number>> {
    return new Map(hostIds.map((h) => [h, this.held.get(h)?.size ?? 0]));
  }

  async acquireLeases(
    blobId: string,
    offsets: readonly number[],
    holder: { hostId: string; epoch: string },
    ttlMs: number,
    now: number,
    unlessHeld?: { ignore: readonly string[] },
  ): Promise<Election> {
    // Single-threaded: nothing can interleave between the reads and the writes below.
    const leases = new Map<number, Lease>();
    const held: number[] = [];
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
        const hosts = this.chunkHolders.get(key) ?? new Set<string>();
        if ([...hosts].some((h) => !ignore.has(h) && this.live(h, now) !== undefined)) {
          held.push(offset);
          continue;
        }
      }
      const lease: Lease = { hostId: holder.hostId, epoch: holder.epoch, deadline: now + ttlMs };
      this.leases.set(key, lease);
      leases.set(offset, { ...lease });
    }
    return { leases, held: held.sort((a, b) => a - b) };
  }

  async relays(blobId: string, offsets: readonly number[]): Promise<Map<number, Relay[]>> {
    const out = new Map<number, Relay[]>();
    for (const offset of offsets) {
      const relays = this.chunkRelays.get(chunkKey(blobId, offset));
      out.set(offset, relays === undefined ? [] : [...relays.values()].map((r) => ({ ...r })));
    }
    return out;
  }

  async putRelays(blobId: string, relays: ReadonlyArray<{ offset: number; relay: Relay }>, _now: number): Promise<void> {
    for (const { offset, relay } of relays) {
      const key = chunkKey(blobId, offset);
      let map = this.chunkRelays.get(key);
      if (map === undefined) this.chunkRelays.set(key, (map = new Map()));
      map.set(relay.hostId, { ...relay });
    }
  }

  async noteAssigned(hostIds: readonly string[]): Promise<void> {
    for (const hostId of hostIds) {
      const peer = this.peers.get(hostId);
      if (peer !== undefined) peer.record.assigned += 1;
    }
  }

  async noteReleased(hostId: string): Promise<void> {
    const peer = this.peers.get(hostId);
    if (peer !== undefined && peer.record.assigned > 0) peer.record.assigned -= 1;
  }

  async getHistories(hostIds: readonly string[], now: number): Promise<Map<string, PeerHistory>> {
    const out = new Map<string, PeerHistory>();
    for (const hostId of hostIds) {
      const entry = this.histories.get(hostId);
      if (entry === undefined) continue;
      if (entry.expiresAt <= now) this.histories.delete(hostId);
      else out.set(hostId, { ...entry.history });
    }
    return out;
  }

  async updateHistory(
    hostId: string,
    update: (old: PeerHistory | undefined) => PeerHistory,
    now: number,
    ttlMs: number,
  ): Promise<PeerHistory> {
    const old = (await this.getHistories([hostId], now)).get(hostId);
    const proposed = update(old);
    // The bad-data deadline only grows, whatever the update says (same rule as the Redis store).
    const next = { ...proposed, badUntil: Math.max(proposed.badUntil, old?.badUntil ?? 0) };
    this.histories.set(hostId, { history: { ...next }, expiresAt: now + ttlMs });
    return next;
  }

  async pushTask(hostId: string, task: Task, ttlMs: number, now: number): Promise<void> {
    let queue = this.tasks.get(hostId);
    if (queue === undefined) this.tasks.set(hostId, (queue = []));
    queue.push({ task: { ...task }, expiresAt: now + ttlMs });
    for (const listener of [...this.taskListeners]) listener(hostId);
  }

  async takeTasks(hostId: string, now: number): Promise<Task[]> {
    const queue = this.tasks.get(hostId) ?? [];
    this.tasks.delete(hostId);
    return queue.filter((q) => q.expiresAt > now).map((q) => q.task);
  }

  async onTask(listener: (hostId: string) => void): Promise<() => void> {
    this.taskListeners.add(listener);
    return () => {
      this.taskListeners.delete(listener);
    };
  }

  async putTaskStatus(status: TaskStatus, ttlMs: number, now: number): Promise<void> {
    for (const [id, entry] of this.taskStatuses) if (entry.expiresAt <= now) this.taskStatuses.delete(id);
    this.taskStatuses.set(status.taskId, { status: { ...status }, expiresAt: now + ttlMs });
  }

  async getTaskStatus(taskId: string, now: number): Promise<TaskStatus | undefined> {
    const entry = this.taskStatuses.get(taskId);
    return entry !== undefined && entry.expiresAt > now ? { ...entry.status } : undefined;
  }

  async listTaskStatuses(now: number, limit: number): Promise<TaskStatus[]> {
    return [...this.taskStatuses.values()]
      .filter((entry) => entry.expiresAt > now)
      .map((entry) => ({ ...entry.status }))
      .sort(newestFirst)
      .slice(0, limit);
  }

  async close(): Promise<void> {
    this.taskListeners.clear();
  }

  private live(hostId: string, now: number): LivePeer | undefined {
    const peer = this.peers.get(hostId);
    return peer !== undefined && peer.expiresAt > now ? peer : undefined;
  }

  private dropHoldings(hostId: string): void {
    for (const key of this.held.get(hostId) ?? []) this.unhold(key, hostId);
    this.held.delete(hostId);
    // Its leases need no scan: they name the old epoch, which no longer matches a live peer.
  }

  private unhold(key: ChunkKey, hostId: string): void {
    const hosts = this.chunkHolders.get(key);
    if (hosts === undefined) return;
    hosts.delete(hostId);
    if (hosts.size === 0) {
      this.chunkHolders.delete(key);
      this.holderCursor.delete(key);
    }
  }

  private releaseLease(key: ChunkKey, hostId: string): void {
    if (this.leases.get(key)?.hostId === hostId) this.leases.delete(key);
  }
}

function copy(peer: PeerRecord): PeerRecord {
  return { ...peer, labels: { ...peer.labels } };
}
