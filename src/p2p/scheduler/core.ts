/**
 * The scheduler's decisions: PURE (no I/O; the time is an argument).
 *
 * DEV DOCS
 * ========
 * Goal: when many nodes read the same chunks at once, the origin registry serves each chunk about
 * once per cluster; every other copy travels between peers.
 *
 * Object model (records in ./model.ts, kept by a StateStore, ./store.ts):
 * - Peer: one per host_id, registered with its data-plane URL, locality labels, upload capacity
 *   and whether it is a seed. Each registration gets a fresh `epoch`. Heartbeats refresh it and
 *   carry its load; one not heard from within peerTtlMs expires.
 * - Holding: (blob id, chunk offset) → the hosts that announced the chunk. Dies with its peer and
 *   with every re-registration (the peer re-announces what it still has).
 * - Lease: (blob id, chunk offset) → (host, epoch, deadline): the single peer currently fetching
 *   the chunk from the origin. Live while the deadline is ahead AND that host is still registered
 *   under that epoch. Released when the holder announces the chunk (added or removed).
 * - History: host → moving averages of transfer outcomes and throughput reported by requesters,
 *   and a bad-data exclusion deadline. Follows the host id across registrations.
 *
 * How a Resolve(requester, blob, offsets) flows (./service.ts drives it, this module decides):
 * 1. The store gives the holders of each offset and the live peer records of those holders.
 * 2. rankCandidates (./scoring.ts) orders every holder once for this requester (the score does
 *    not depend on the chunk); planResolve keeps, per offset, the best maxParents of its holders.
 *    The requester itself, bad peers and excluded hosts never appear; hosts the requester names
 *    busy (they just refused it with 503) come last, as saturated ones, but still count as holders.
 * 3. Offsets left without a usable holder go to the store's atomic lease election
 *    (acquireLeases): an offset whose live lease belongs to someone else keeps it; otherwise the
 *    requester becomes the holder (or renews its own lease). Atomic in the store, so concurrent
 *    resolves on any number of replicas elect one fetcher per chunk. The election also refuses an
 *    offset that some usable peer announced after step 1 looked (the announce released the lease
 *    in the same atomic step); such offsets go through steps 1–3 once more, and the second
 *    election grants whatever is still unheld.
 * 4. decideLeased turns each lease into a decision: the requester's own lease → BACK_TO_SOURCE;
 *    another peer's → PARENTS in_progress (its server answers once the chunk arrives), or SOURCE
 *    if the requester excluded that peer. For PARENTS (with cascadeFanout > 0) the cascade
 *    (./cascade.ts) then picks the
 *    in-progress parents among the lease holder and its relays (peers receiving the chunk from
 *    it) and records the requester as a relay, so a cold wave is a tree, not a star.
 * 5. groupDecisions merges offsets with identical decisions into groups, ordered by first offset.
 *    The first parent of each group is counted as `assigned` load on that peer until its next
 *    heartbeat.
 *
 * Determinism: the same state and the same `now` give the same answer (ties break on host id).
 */
import type {
  ChunkGroup,
  Lease,
  ParentChoice,
  PeerHistory,
  PeerRecord,
  SchedulerConfig,
  TransferReport,
} from './model.js';
import { localityScore, rankCandidates, type RankedPeer } from './scoring.js';

export interface ResolvePlanInput {
  requester: PeerRecord;
  offsets: readonly number[];
  /** Host ids that announced each offset (dead hosts allowed: they are absent from `peers`). */
  holders: ReadonlyMap<number, readonly string[]>;
  /** Live peer records, at least for every holder still registered. */
  peers: ReadonlyMap<string, PeerRecord>;
  histories: ReadonlyMap<string, PeerHistory>;
  exclude: ReadonlySet<string>;
  /** Holders that just answered the requester busy: ranked as saturated, still usable. */
  busy?: ReadonlySet<string>;
  maxParents: number;
  now: number;
  config: Pick<SchedulerConfig, 'localityKeys' | 'weights'>;
}

export interface ResolvePlan {
  /** Offsets with at least one usable holder → their parents, best first. */
  parents: Map<number, ParentChoice[]>;
  /** Offsets that no usable peer holds: candidates for the back-to-source lease. Ascending. */
  needLease: number[];
}

/** Steps 1–2 of a Resolve: the ranked holders of each offset, and which offsets need a lease. */
export function planResolve(input: ResolvePlanInput): ResolvePlan {
  const candidateIds = new Set<string>();
  for (const offset of input.offsets) {
    for (const hostId of input.holders.get(offset) ?? []) candidateIds.add(hostId);
  }
  const candidates: PeerRecord[] = [];
  for (const hostId of candidateIds) {
    const peer = input.peers.get(hostId);
    if (peer !== undefined) candidates.push(peer);
  }
  const ranked = rankCandidates({
    requester: input.requester,
    candidates,
    histories: input.histories,
    exclude: input.exclude,
    ...(input.busy !== undefined ? { busy: input.busy } : {}),
    now: input.now,
    config: input.config,
  });
  const position = new Map<string, number>();
  ranked.forEach((r, i) => position.set(r.peer.hostId, i));

  const parents = new Map<number, ParentChoice[]>();
  const needLease: number[] = [];
  for (const offset of uniqueSorted(input.offsets)) {
    const usable: RankedPeer[] = [];
    for (const hostId of input.holders.get(offset) ?? []) {
      const at = position.get(hostId);
      if (at !== undefined) usable.push(ranked[at]!);
    }
    if (usable.length === 0) {
      needLease.push(offset);
      continue;
    }
    usable.sort((a, b) => position.get(a.peer.hostId)! - position.get(b.peer.hostId)!);
    parents.set(offset, usable.slice(0, Math.max(1, input.maxParents)).map(toChoice));
  }
  return { parents, needLease };
}

function toChoice(r: RankedPeer): ParentChoice {
  return { hostId: r.peer.hostId, peerUrl: r.peer.peerUrl, inProgress: false, score: round(r.score) };
}

/** Scores travel over the wire; rounding keeps equal inputs visibly equal. */
function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** Whether a lease still binds: deadline ahead and its holder registered under the same epoch. */
export function leaseIsLive(lease: Lease, holder: PeerRecord | undefined, now: number): boolean {
  return lease.deadline > now && holder !== undefined && holder.epoch === lease.epoch;
}

export type ChunkDecision =
  | { decision: 'PARENTS'; parents: ParentChoice[]; leaseDeadline: number }
  | { decision: 'BACK_TO_SOURCE'; leaseDeadline: number }
  | { decision: 'SOURCE' };

/**
 * Step 4: what a requester does for an offset whose lease is `lease` (as returned by the store's
 * election). `holder` is the lease holder's live record, if it is still registered.
 */
export function decideLeased(
  requester: PeerRecord,
  lease: Lease | undefined,
  holder: PeerRecord | undefined,
  exclude: ReadonlySet<string>,
  now: number,
): ChunkDecision {
  if (lease === undefined) return { decision: 'SOURCE' };
  if (lease.hostId === requester.hostId && lease.epoch === requester.epoch) {
    return { decision: 'BACK_TO_SOURCE', leaseDeadline: lease.deadline };
  }
  if (!leaseIsLive(lease, holder, now) || exclude.has(lease.hostId) || holder === undefined) {
    return { decision: 'SOURCE' };
  }
  return {
    decision: 'PARENTS',
    parents: [{ hostId: holder.hostId, peerUrl: holder.peerUrl, inProgress: true, score: 0 }],
    leaseDeadline: lease.deadline,
  };
}

/** Step 5: offsets with identical decisions become one group; groups ordered by first offset. */
export function groupDecisions(decisions: ReadonlyMap<number, ChunkDecision>): ChunkGroup[] {
  const groups = new Map<string, ChunkGroup>();
  for (const offset of [...decisions.keys()].sort((a, b) => a - b)) {
    const d = decisions.get(offset)!;
    const key = JSON.stringify(d);
    let group = groups.get(key);
    if (group === undefined) {
      group = d.decision === 'PARENTS'
        ? { decision: 'PARENTS', offsets: [], parents: d.parents, leaseDeadline: d.leaseDeadline }
        : d.decision === 'BACK_TO_SOURCE'
          ? { decision: 'BACK_TO_SOURCE', offsets: [], leaseDeadline: d.leaseDeadline }
          : { decision: 'SOURCE', offsets: [] };
      groups.set(key, group);
    }
    group.offsets.push(offset);
  }
  return [...groups.values()];
}

/** Outcome values averaged into `success`. */
const OUTCOME_VALUE = { OK: 1, SLOW: 0.5, UNREACHABLE: 0, BAD_DATA: 0 } as const;

/**
 * Folds one transfer report into a parent's history. BAD_DATA excludes the parent until
 * now + badPeerMs (a later report can only extend that). Throughput is averaged only from reports
 * that moved bytes in a measurable time.
 */
export function applyReport(
  old: PeerHistory | undefined,
  report: Pick<TransferReport, 'bytes' | 'durationMs' | 'outcome'>,
  now: number,
  config: Pick<SchedulerConfig, 'historyAlpha' | 'badPeerMs'>,
): PeerHistory {
  const alpha = config.historyAlpha;
  const prior = old ?? { success: 1, throughput: 0, reports: 0, badUntil: 0, updatedAt: now };
  const success = (1 - alpha) * prior.success + alpha * OUTCOME_VALUE[report.outcome];
  let throughput = prior.throughput;
  if ((report.outcome === 'OK' || report.outcome === 'SLOW') && report.bytes > 0 && report.durationMs > 0) {
    const sample = (report.bytes * 1000) / report.durationMs;
    throughput = prior.throughput > 0 ? (1 - alpha) * prior.throughput + alpha * sample : sample;
  }
  const badUntil = report.outcome === 'BAD_DATA'
    ? Math.max(prior.badUntil, now + config.badPeerMs)
    : prior.badUntil;
  return { success: round(success), throughput: Math.round(throughput), reports: prior.reports + 1, badUntil, updatedAt: now };
}

/**
 * The seed that gets a preheat task: eligible (not excluded for bad data), the best locality match
 * for `labels`, then the most free upload slots, then host id.
 */
export function pickSeed(
  seeds: Iterable<PeerRecord>,
  histories: ReadonlyMap<string, PeerHistory>,
  labels: Record<string, string>,
  now: number,
  config: Pick<SchedulerConfig, 'localityKeys'>,
): PeerRecord | undefined {
  let best: { peer: PeerRecord; locality: number; free: number } | undefined;
  for (const peer of seeds) {
    if (!peer.isSeed) continue;
    const badUntil = histories.get(peer.hostId)?.badUntil ?? 0;
    if (badUntil > now) continue;
    const locality = localityScore(labels, peer.labels, config.localityKeys);
    const free = peer.uploadCapacity > 0
      ? (peer.uploadCapacity - peer.currentUploads - peer.assigned) / peer.uploadCapacity
      : -1;
    const better = best === undefined
      || locality > best.locality
      || (locality === best.locality && free > best.free)
      || (locality === best.locality && free === best.free && peer.hostId < best.peer.hostId);
    if (better) best = { peer, locality, free };
  }
  return best?.peer;
}

/** The first parent of every PARENTS group that is not in progress: counted as assigned load. */
export function firstChoices(groups: readonly ChunkGroup[]): string[] {
  const ids = new Set<string>();
  for (const g of groups) {
    if (g.decision === 'PARENTS' && g.parents[0] !== undefined && !g.parents[0].inProgress) {
      ids.add(g.parents[0].hostId);
    }
  }
  return [...ids];
}

export function uniqueSorted(values: readonly number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}
