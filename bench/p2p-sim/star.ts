/**
 * Today's peer behaviour (src/p2p/peer-source.ts, peer-server.ts): a requester tries the
 * scheduler's parents in its order; a parent marked in_progress holds the request until its
 * origin fetch lands, then serves it when one of its upload slots is free; when no parent
 * served, the requester follows src/p2p/busy-retry.ts (model.ts calls it for every protocol:
 * busy holders are waited for, within the bound, instead of the origin). A piece got from a
 * peer is served only once the cache committed it and the announce (batched by the client)
 * reached the scheduler. In a cold wave every requester that resolves a piece before its
 * fetcher's announce is pointed at that one fetcher: a star.
 */
import type { PeerBehaviour } from './behaviour.js';

export const starBehaviour: PeerBehaviour = {
  protocol: 'star',
  p2p: true,
  cascadeFanout: 0,
  servesOnArrival: false,
  announcesAtOnce: false,
  releasesLoadAtReport: false,
  parents: (planned) => [...planned],
};
