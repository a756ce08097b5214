/**
 * The cascade rule, as an adapter over today's decision code: any node that holds a verified
 * piece serves it at once (announced at once, no wait for the cache commit), requesters take
 * their parents among the current holders by fewest uploads, and a request waiting for a piece
 * is served by the first holder with a free slot. This file is the one place to switch to the
 * product's cascade code once it exists: replace `parents` by what its scheduler answers.
 */
import type { PlannedParent } from '../../src/p2p/peer-plan.js';
import type { HolderView, PeerBehaviour } from './behaviour.js';

export const cascadeBehaviour: PeerBehaviour = {
  protocol: 'cascade',
  p2p: true,
  servesOnArrival: true,
  announcesAtOnce: true,
  anyHolderServesWaiters: true,
  parents(planned, holders, maxParents) {
    // The maxParents least loaded live holders (a selection: holders can number thousands).
    const best: HolderView[] = [];
    for (const h of holders) {
      if (!h.alive) continue;
      let at = best.length;
      while (at > 0 && fewerUploads(h, best[at - 1]!)) at -= 1;
      if (at < maxParents) {
        best.splice(at, 0, h);
        if (best.length > maxParents) best.pop();
      }
    }
    if (best.length === 0) return [...planned];
    return best.map((h): PlannedParent => ({ hostId: h.hostId, peerUrl: '', inProgress: false }));
  },
};

function fewerUploads(a: HolderView, b: HolderView): boolean {
  return a.uploads < b.uploads || (a.uploads === b.uploads && a.hostId < b.hostId);
}
