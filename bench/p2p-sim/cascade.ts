/**
 * The cascade as the product runs it: the scheduler with scheduling.cascade_fanout above 0
 * (src/p2p/scheduler/cascade.ts decides who waits on whom, the simulator only follows its
 * answers), relays holding their children's requests and serving the verified piece from memory
 * as soon as it lands, and readers keeping `window` pieces in flight (read-ahead), so a piece's
 * trip down the tree overlaps the next pieces' trips.
 *
 * `rotated`: each node reads the image from its own start (src/p2p/read-order.ts, the order of a
 * bulk read), so the nodes hold different pieces early and serve each other instead of queueing
 * behind one leader. `loadUntilHeartbeat`: the scheduler's earlier load rule (behaviour.ts).
 *
 * Names: "cascade f2" is the earlier protocol (in order, load until the heartbeat); "cascade f2
 * released" reads in order with today's scheduler; "cascade f2 rotated" is today's protocol.
 */
import { bulkReadOrder } from '../../src/p2p/read-order.js';
import type { PeerBehaviour } from './behaviour.js';

export interface CascadeOptions {
  window?: number;
  rotated?: boolean;
  loadUntilHeartbeat?: boolean;
}

export function cascadeBehaviour(fanout: number, options: CascadeOptions = {}): PeerBehaviour {
  const { window, rotated = false, loadUntilHeartbeat = false } = options;
  const order = rotated ? ' rotated' : loadUntilHeartbeat ? '' : ' released';
  const load = rotated && loadUntilHeartbeat ? ' hb-load' : '';
  return {
    protocol: `cascade f${fanout}${order}${load}${window === undefined ? '' : ` w${window}`}`,
    releasesLoadAtReport: !loadUntilHeartbeat,
    p2p: true,
    cascadeFanout: fanout,
    ...(window === undefined ? {} : { window }),
    ...(rotated ? { readOrder: bulkReadOrder } : {}),
    servesOnArrival: true,
    announcesAtOnce: false,
    parents: (planned) => [...planned],
  };
}
