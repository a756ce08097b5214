/**
 * A protocol, as the simulator runs it: the scheduler's real decision code (always the same:
 * SchedulerService over a MemoryStore) plus a PeerBehaviour — what the daemons do with its
 * answers. Today's behaviour is in star.ts; the cascade rule in cascade.ts.
 */
import type { PlannedParent } from '../../src/p2p/peer-plan.js';

/** What a behaviour may look at when it picks parents. */
export interface HolderView {
  hostId: string;
  /** Uploads this node is sending now. */
  uploads: number;
  alive: boolean;
}

export interface PeerBehaviour {
  readonly protocol: string;
  /** False: no scheduler, every node reads everything from the origin. */
  readonly p2p: boolean;
  /**
   * A piece a node got from a peer (or from the origin without a lease) can be served by it
   * at once; otherwise only once its cache committed it (`commitMs` later). A piece fetched
   * from the origin under a lease is always served at once to the requests waiting for it
   * (they are answered from memory).
   */
  readonly servesOnArrival: boolean;
  /** Announce at once instead of after the client's batching delay. */
  readonly announcesAtOnce: boolean;
  /**
   * Requests waiting for a piece nobody can serve yet are served by whichever node gets it
   * first and has a free upload slot, instead of only by the in-progress parent they were
   * pointed at.
   */
  readonly anyHolderServesWaiters: boolean;
  /**
   * The parents a requester tries, given the ones the scheduler answered (after peer-plan.ts)
   * and the nodes that can serve the piece now (`holders`, never the requester).
   */
  parents(planned: readonly PlannedParent[], holders: readonly HolderView[], maxParents: number): PlannedParent[];
}

/** Without P2P: every read goes to the origin (bench:p2p's "origin only" runs). */
export const originOnlyBehaviour: PeerBehaviour = {
  protocol: 'origin-only',
  p2p: false,
  servesOnArrival: false,
  announcesAtOnce: false,
  anyHolderServesWaiters: false,
  parents: () => [],
};
