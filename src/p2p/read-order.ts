/**
 * Pure: where a node starts a bulk read (prefetch of a whole image, preheat) of `count` ranges.
 *
 * When every node of a cold wave walks the image in the same order, each new piece exists on one
 * node at a time and every other node asks that one for it at once: the followers move in
 * lockstep behind the leader, hold nothing the others lack, and share the leader's uplink (the
 * bench:p2p-sim breakdown shows that time as transfers at a shared rate). Starting each node's
 * bulk read at its own point of the image (a hash of its host id) and wrapping around means the
 * nodes hold different pieces early and serve each other, while each piece still has one origin
 * fetch (the scheduler's lease). Demand reads are not reordered: they follow what the workload
 * asks for.
 *
 * The start is a function of the host id alone, so a node resuming a bulk read starts where it
 * started before (its cache already holds that part) and a run is reproducible.
 */

/** FNV-1a (32 bits) of the host id: spreads similar ids ("node-0001", "node-0002") apart. */
function hostHash(hostId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < hostId.length; i++) {
    h ^= hostId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // Final avalanche so that ids differing in their last character land far apart modulo count.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return h >>> 0;
}

/** The index (0 ≤ start < count) of the range a node's bulk read starts at; 0 when count ≤ 1. */
export function bulkReadStart(hostId: string, count: number): number {
  if (!Number.isSafeInteger(count) || count <= 1) return 0;
  return hostHash(hostId) % count;
}

/** The `count` range indexes in the node's bulk read order: from its start to the end, then from 0. */
export function bulkReadOrder(hostId: string, count: number): number[] {
  const start = bulkReadStart(hostId, count);
  const order: number[] = [];
  for (let i = 0; i < count; i++) order.push((start + i) % count);
  return order;
}
