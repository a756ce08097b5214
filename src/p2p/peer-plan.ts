/**
 * Pure: what the peer source does with the scheduler's answer for one range the fetch path
 * offers (a run of chunks back to back in the blob).
 *
 * - Every chunk has parents and some parent is listed for all of them → one request for the
 *   whole range to those parents, in the order of the first group (the scheduler's best first).
 * - Otherwise the range is cut into runs: consecutive chunks of the same PARENTS group (same
 *   parents) are one request to that group's parents; the other chunks are left to the origin
 *   (the answer is partial: the fetch path fetches them from the origin).
 * - `leased`: the chunks this node was elected to fetch from the origin (BACK_TO_SOURCE); they
 *   must be announced once cached, or withdrawn if the fetch fails.
 *
 * A parent that is `in_progress` for a run's chunks is asked to hold the request until the
 * group's lease deadline.
 */
import type { ResolveGroup } from './scheduler-client.js';

export interface PlannedParent {
  hostId: string;
  peerUrl: string;
  /** Fetching the chunks from the origin now: ask it to hold the request. */
  inProgress: boolean;
}

/** Chunks [start, end) of the range (indices in request order) and who to ask for them. */
export interface PlannedRun {
  start: number;
  end: number;
  parents: PlannedParent[];
  /** Latest lease deadline (ms since epoch) of an in-progress parent; 0 when none. */
  waitUntil: number;
}

export interface RangePlan {
  decision: 'parents' | 'back_to_source' | 'source' | 'mixed';
  runs: PlannedRun[];
  /** Offsets that go to the origin whatever the parents do (BACK_TO_SOURCE and SOURCE chunks). */
  origin: number[];
  /** Of those, the ones this node holds the back-to-source lease of. */
  leased: number[];
}

type ParentsGroup = Extract<ResolveGroup, { decision: 'PARENTS' }>;

function plannedParents(groups: readonly ParentsGroup[], hostIds: readonly string[]): { parents: PlannedParent[]; waitUntil: number } {
  let waitUntil = 0;
  const parents = hostIds.map((hostId) => {
    let peerUrl = '';
    let inProgress = false;
    for (const g of groups) {
      for (const p of g.parents) {
        if (p.hostId !== hostId) continue;
        peerUrl ||= p.peerUrl;
        if (p.inProgress) {
          inProgress = true;
          waitUntil = Math.max(waitUntil, g.leaseDeadline);
        }
      }
    }
    return { hostId, peerUrl, inProgress };
  });
  return { parents, waitUntil };
}

/** `chunkOffsets`: the range's chunks in request (stored) order. */
export function planRange(groups: readonly ResolveGroup[], chunkOffsets: readonly number[]): RangePlan {
  const groupOf = new Map<number, ResolveGroup>();
  for (const g of groups) for (const o of g.offsets) groupOf.set(o, g);
  const origin: number[] = [];
  const leased: number[] = [];
  for (const o of chunkOffsets) {
    const g = groupOf.get(o);
    if (g === undefined || g.decision !== 'PARENTS') origin.push(o);
    if (g?.decision === 'BACK_TO_SOURCE') leased.push(o);
  }
  const all = chunkOffsets.map((o) => groupOf.get(o));
  const decision = chunkOffsets.length === 0 ? 'source'
    : all.every((g) => g?.decision === 'PARENTS') ? 'parents'
    : all.every((g) => g?.decision === 'BACK_TO_SOURCE') ? 'back_to_source'
    : all.every((g) => g === undefined || g.decision === 'SOURCE') ? 'source'
    : 'mixed';

  if (decision === 'parents') {
    const pgroups = [...new Set(all)] as ParentsGroup[];
    const common = pgroups[0]!.parents.map((p) => p.hostId).filter((h) => pgroups.every((g) => g.parents.some((q) => q.hostId === h)));
    if (common.length > 0) return { decision, runs: [{ start: 0, end: chunkOffsets.length, ...plannedParents(pgroups, common) }], origin, leased };
  }
  const runs: PlannedRun[] = [];
  for (let i = 0; i < all.length; ) {
    const g = all[i];
    if (g?.decision !== 'PARENTS') {
      i += 1;
      continue;
    }
    let j = i + 1;
    while (j < all.length && all[j] === g) j += 1;
    runs.push({ start: i, end: j, ...plannedParents([g], g.parents.map((p) => p.hostId)) });
    i = j;
  }
  return { decision, runs, origin, leased };
}
