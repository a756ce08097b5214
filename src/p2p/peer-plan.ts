/**
 * Pure: what the peer source does with the scheduler's answer for one range the fetch path
 * offers. The fetch path asks for a range as a whole (one answer of exactly its length), so:
 *
 * - every chunk has parents, and some parents are listed for every chunk → fetch the whole
 *   range from those, in the order of the first group (the scheduler's best first); a parent
 *   that is `in_progress` for any chunk is asked to wait, until the latest lease deadline;
 * - otherwise go to the origin (decline): `back_to_source` when the scheduler elected this
 *   node for every chunk, `source` when it said origin without a lease, `mixed` for anything
 *   else. The chunks this node was elected for (`leased`) must be announced once cached, or
 *   withdrawn if the fetch fails.
 *
 * A mixed answer costs origin traffic for the chunks that peers had; it is rare because every
 * node plans the same ranges for the same reads (same chunk table, same merge size).
 */
import type { ResolveGroup } from './scheduler-client.js';

export interface PlannedParent {
  hostId: string;
  peerUrl: string;
  /** Fetching the chunks from the origin now: ask it to hold the request. */
  inProgress: boolean;
}

export type RangePlan =
  | { kind: 'parents'; parents: PlannedParent[]; /** latest lease deadline of in-progress parents (ms since epoch), 0 when none */ waitUntil: number }
  | { kind: 'origin'; decision: 'back_to_source' | 'source' | 'mixed'; leased: number[] };

export function planRange(groups: readonly ResolveGroup[]): RangePlan {
  const leased = groups.flatMap((g) => (g.decision === 'BACK_TO_SOURCE' ? g.offsets : []));
  if (groups.length > 0 && groups.every((g) => g.decision === 'PARENTS')) {
    const parentGroups = groups as Array<Extract<ResolveGroup, { decision: 'PARENTS' }>>;
    const common = parentGroups[0]!.parents.filter((p) => parentGroups.every((g) => g.parents.some((q) => q.hostId === p.hostId)));
    if (common.length > 0) {
      let waitUntil = 0;
      const parents = common.map((p) => {
        const inProgress = parentGroups.some((g) => g.parents.some((q) => q.hostId === p.hostId && q.inProgress));
        if (inProgress) waitUntil = Math.max(waitUntil, ...parentGroups.map((g) => g.leaseDeadline));
        return { hostId: p.hostId, peerUrl: p.peerUrl, inProgress };
      });
      return { kind: 'parents', parents, waitUntil };
    }
  }
  const decision = groups.length > 0 && groups.every((g) => g.decision === 'BACK_TO_SOURCE')
    ? 'back_to_source'
    : groups.every((g) => g.decision === 'SOURCE') ? 'source' : 'mixed';
  return { kind: 'origin', decision, leased };
}
