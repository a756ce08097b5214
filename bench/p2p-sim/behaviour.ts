/**
 * A protocol, as the simulator runs it: the scheduler's real decision code (always the same:
 * SchedulerService over a MemoryStore, configured with the protocol's cascade_fanout) plus a
 * PeerBehaviour — what the daemons do with its answers. The star is in star.ts, the cascade in
 * cascade.ts.
 */
import type { PlannedParent } from '../../src/p2p/peer-plan.js';

export interface PeerBehaviour {
  readonly protocol: string;
  /** False: no scheduler, every node reads everything from the origin. */
  readonly p2p: boolean;
  /** The scheduler's scheduling.cascade_fanout (0: the star). */
  readonly cascadeFanout: number;
  /** Requests a node keeps in flight, when the protocol reads ahead of the params' `window`. */
  readonly window?: number;
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
   * False: the scheduler as it was before hand-outs were released at report time (a peer's
   * load counted every hand-out until its next heartbeat), to run the earlier protocols as they
   * were. Absent: released (the scheduler's code as it is).
   */
  readonly releasesLoadAtReport?: boolean;
  /** The order a node reads the image's pieces in (absent: in order). */
  readOrder?(hostId: string, pieces: number): number[];
  /** The parents a requester tries, given the ones the scheduler answered (after peer-plan.ts). */
  parents(planned: readonly PlannedParent[]): PlannedParent[];
}

/** Without P2P: every read goes to the origin (bench:p2p's "origin only" runs). */
export const originOnlyBehaviour: PeerBehaviour = {
  protocol: 'origin-only',
  p2p: false,
  cascadeFanout: 0,
  servesOnArrival: false,
  announcesAtOnce: false,
  parents: () => [],
};
