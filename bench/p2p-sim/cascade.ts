/**
 * The cascade as the product runs it: the scheduler with scheduling.cascade_fanout above 0
 * (src/p2p/scheduler/cascade.ts decides who waits on whom, the simulator only follows its
 * answers), relays holding their children's requests and serving the verified piece from memory
 * as soon as it lands, and readers keeping `window` pieces in flight (read-ahead), so a piece's
 * trip down the tree overlaps the next pieces' trips.
 */
import type { PeerBehaviour } from './behaviour.js';

export function cascadeBehaviour(fanout: number, window?: number): PeerBehaviour {
  return {
    protocol: window === undefined ? `cascade f${fanout}` : `cascade f${fanout} w${window}`,
    p2p: true,
    cascadeFanout: fanout,
    ...(window === undefined ? {} : { window }),
    servesOnArrival: true,
    announcesAtOnce: false,
    parents: (planned) => [...planned],
  };
}
