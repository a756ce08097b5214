/**
 * The scheduler's state behind one interface, so that one process keeps it in memory
 * (./memory-store.ts, the default) and several replicas share it in Redis (./redis-store.ts).
 * Both pass the same conformance suite (test/suites/scheduler-store.ts).
 *
 * Every method that depends on the time takes `now` (the service's injected clock). The memory
 * store decides expiry from it; the Redis store lets Redis expire keys (PX TTLs) and uses `now`
 * only for the timestamps it records.
 */
import type { Lease, PeerHistory, PeerLoad, PeerRecord, Relay, Task, TaskStatus } from './model.js';

/** The result of acquireLeases. */
export interface Election {
  /** The lease of each offset after the election (the caller's own, or another live holder's). */
  leases: Map<number, Lease>;
  /** Offsets left without a lease because a live peer holds them now. Ascending. */
  held: number[];
}

export interface StateStore {
  /** "memory" or "redis", for Status and logs. */
  readonly kind: string;

  /**
   * Creates or replaces the peer. A new registration starts from nothing: the host's earlier
   * holdings are dropped and its earlier leases die with the old epoch. History is kept.
   */
  registerPeer(peer: PeerRecord, ttlMs: number): Promise<void>;
  /** Refreshes a live peer's TTL and load and zeroes `assigned`; undefined if it is not registered. */
  heartbeat(hostId: string, load: PeerLoad, now: number, ttlMs: number): Promise<PeerRecord | undefined>;
  /** Removes the peer, its holdings and its leases now. False if it was not registered. */
  unregisterPeer(hostId: string): Promise<boolean>;
  /** Live peers among `hostIds` (unknown and expired ones are absent). */
  getPeers(hostIds: readonly string[], now: number): Promise<Map<string, PeerRecord>>;
  /** Every live peer, ordered by host id. */
  listPeers(now: number): Promise<PeerRecord[]>;
  /**
   * Cleans up after peers that expired (holdings, leases, index entries) and returns their host
   * ids. Each expired peer is returned by exactly one call, even with several replicas sweeping.
   */
  expirePeers(now: number): Promise<string[]>;

  /**
   * Records that the host (under `epoch`) holds these chunks and releases its leases on them.
   * False (nothing recorded) if the host is not registered under that epoch.
   */
  addHoldings(hostId: string, epoch: string, blobId: string, offsets: readonly number[]): Promise<boolean>;
  /** Records that the host no longer holds these chunks and releases its leases on them. */
  removeHoldings(hostId: string, epoch: string, blobId: string, offsets: readonly number[]): Promise<boolean>;
  /** Hosts that announced each offset (may include peers that expired but were not yet swept). */
  holders(blobId: string, offsets: readonly number[]): Promise<Map<number, string[]>>;
  /** Number of chunks each host holds. */
  heldCounts(hostIds: readonly string[]): Promise<Map<string, number>>;

  /**
   * The back-to-source election, atomic per chunk across every user of the store. For each
   * offset: a live lease (deadline ahead, holder still registered under the lease's epoch) held by
   * another host is returned unchanged; one held by `holder` itself is renewed to now + ttl.
   * Otherwise, if `unlessHeld` is given and some live peer not in `unlessHeld.ignore` holds the
   * chunk (it was announced after the caller looked), no lease is taken and the offset is listed
   * in `held`; else a new lease for `holder` replaces the missing or dead one. Two concurrent calls
   * never both get a fresh lease on the same chunk, and an Announce cannot slip between the
   * caller's look at the holders and its election.
   */
  acquireLeases(
    blobId: string,
    offsets: readonly number[],
    holder: { hostId: string; epoch: string },
    ttlMs: number,
    now: number,
    unlessHeld?: { ignore: readonly string[] },
  ): Promise<Election>;

  /**
   * The relays recorded for each offset (./cascade.ts): peers receiving the chunk from another
   * peer. Stale records may be among them (the core checks each against the lease).
   */
  relays(blobId: string, offsets: readonly number[]): Promise<Map<number, Relay[]>>;
  /**
   * Records relays, one per (offset, relay host), replacing that host's earlier record of the
   * offset. Each is kept at least until its deadline. Not atomic with the election: two replicas
   * may both attach a requester to one source beyond the fan-out, which costs balance, never a
   * second origin fetch.
   */
  putRelays(blobId: string, relays: ReadonlyArray<{ offset: number; relay: Relay }>, now: number): Promise<void>;

  /** Counts one hand-out as first-choice parent against each live host (reset by heartbeat). */
  noteAssigned(hostIds: readonly string[]): Promise<void>;
  /**
   * One hand-out against the host ended (a requester reported a transfer from it): one less,
   * never below 0. Without it a peer stays "loaded" until its next heartbeat however quickly its
   * uploads finish, and in a wave every holder soon looks saturated.
   */
  noteReleased(hostId: string): Promise<void>;

  /** Success histories of the given hosts (absent if none or older than the history TTL). */
  getHistories(hostIds: readonly string[], now: number): Promise<Map<string, PeerHistory>>;
  /** Read-modify-write of one history; kept for ttlMs after this update. */
  updateHistory(
    hostId: string,
    update: (old: PeerHistory | undefined) => PeerHistory,
    now: number,
    ttlMs: number,
  ): Promise<PeerHistory>;

  /** Queues a task for a host and notifies every onTask listener (on every replica). */
  pushTask(hostId: string, task: Task, ttlMs: number, now: number): Promise<void>;
  /** Removes and returns the host's queued tasks, oldest first. */
  takeTasks(hostId: string, now: number): Promise<Task[]>;
  /**
   * Calls `listener(hostId)` whenever a task is queued for hostId (by any replica). Resolves, with
   * an unsubscribe function, once notifications flow.
   */
  onTask(listener: (hostId: string) => void): Promise<() => void>;

  /** Records (or replaces) where a task stands; kept for ttlMs after this update. */
  putTaskStatus(status: TaskStatus, ttlMs: number, now: number): Promise<void>;
  /** Where the task stands; undefined if unknown or past its TTL. */
  getTaskStatus(taskId: string, now: number): Promise<TaskStatus | undefined>;
  /** Every task within its TTL, most recently changed first, at most `limit`. */
  listTaskStatuses(now: number, limit: number): Promise<TaskStatus[]>;

  close(): Promise<void>;
}
