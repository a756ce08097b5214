/**
 * The cascade: PURE (no I/O; the time is an argument). Which in-progress peer a requester waits
 * on for chunks that nobody holds yet but another peer is fetching from the origin.
 *
 * Without it every such requester is pointed at the lease holder, so a cold wave of N nodes is a
 * star whose centre uploads N−1 copies of each chunk. With it, a requester handed an in-progress
 * parent is recorded as a **relay** of those chunks (model.ts `Relay`): it will have them once
 * its parent serves it, and its own peer server holds requests for them meanwhile (as the lease
 * holder's does). Later requesters are spread over the lease holder and its relays, so each
 * chunk travels down a tree whose fan-out is `fanout`. The service calls it only when
 * `cascadeFanout` is above 0 (scheduling.cascade_fanout; 0, the default, keeps the star).
 *
 * Choosing the parent, for the offsets of one Resolve that share one lease:
 * - Sources: the lease holder (depth 0) and every relay of that lease that is still live
 *   (deadline ahead, registered under the recorded epoch) for *every* one of the offsets, so the
 *   range stays one request to one parent. Never the requester, an excluded host, a peer with
 *   upload capacity 0 or one excluded for bad data.
 * - A requester that is itself a relay of these chunks (it resolves again after a failure) only
 *   gets sources shallower than itself: its own children wait on it, so it must never wait on
 *   them (no cycles).
 * - Order: sources with fewer than `fanout` children first, then the least loaded
 *   (`currentUploads + assigned`, where `assigned` counts the requesters handed to it since its
 *   last heartbeat, for every chunk, less the transfers from it reported since), then shallower, then fewer children, then host id. Load
 *   before depth is what spreads the uploads: in a cold wave of in-order readers the same peer
 *   fetches chunk after chunk and the same early requesters relay them, so a depth-first tree
 *   makes those few peers upload nearly every copy (fan-out times the image each, everyone else
 *   nothing) while the least-loaded choice hands each chunk's children to the relays that have
 *   uploaded least, and every peer ends up uploading about what it downloads. A source whose
 *   children are all full is still used when every source is full: waiting on a busy peer beats
 *   a second origin fetch.
 * - Parents: the first `maxParents` sources, all `in_progress`; the lease holder is always among
 *   them (last, if not first) so that a failed relay falls back to the fetch it hangs off.
 * - The requester becomes a relay of each offset under its first parent, at that parent's depth
 *   + 1, until the lease's deadline.
 *
 * Determinism: the same inputs give the same answer (ties break on host id).
 */
import type { Lease, ParentChoice, PeerHistory, PeerRecord, Relay } from './model.js';
import { isEligibleParent } from './scoring.js';

export interface CascadeInput {
  requester: PeerRecord;
  /** Offsets the requester asked for whose live lease is `lease` (held by another peer). */
  offsets: readonly number[];
  lease: Lease;
  /** The lease holder's live record. */
  holder: PeerRecord;
  /** Relays recorded for each offset (stale ones and other leases' are ignored). */
  relays: ReadonlyMap<number, readonly Relay[]>;
  /** Live records of the relays' hosts (an absent host is not registered any more). */
  peers: ReadonlyMap<string, PeerRecord>;
  histories: ReadonlyMap<string, PeerHistory>;
  exclude: ReadonlySet<string>;
  maxParents: number;
  fanout: number;
  now: number;
}

export interface CascadeDecision {
  /** In-progress parents, best first. */
  parents: ParentChoice[];
  /** The requester's relay record for each offset, for the store to keep. */
  relays: Array<{ offset: number; relay: Relay }>;
}

interface Source {
  peer: PeerRecord;
  depth: number;
  children: number;
}

/** Whether a recorded relay still counts for `lease`: same lease, deadline ahead, same registration. */
export function relayIsLive(relay: Relay, lease: Lease, peer: PeerRecord | undefined, now: number): boolean {
  return relay.rootHostId === lease.hostId
    && relay.rootEpoch === lease.epoch
    && relay.deadline > now
    && peer !== undefined
    && peer.epoch === relay.epoch;
}

/** The in-progress parents of the requester for `offsets`, and its relay records. */
export function decideCascade(input: CascadeInput): CascadeDecision {
  const { requester, lease, holder, now } = input;
  const offsets = [...new Set(input.offsets)].sort((a, b) => a - b);
  // Per offset: live relays by host, children per parent, and the requester's own depth.
  let ownDepth = Infinity;
  const relayDepth = new Map<string, number>();
  const relayCount = new Map<string, number>();
  const children = new Map<string, number>();
  for (const offset of offsets) {
    const perParent = new Map<string, number>();
    for (const relay of input.relays.get(offset) ?? []) {
      const peer = relay.hostId === requester.hostId ? requester : input.peers.get(relay.hostId);
      if (!relayIsLive(relay, lease, peer, now)) continue;
      if (relay.hostId === requester.hostId) {
        ownDepth = Math.min(ownDepth, relay.depth);
        continue;
      }
      perParent.set(relay.parentHostId, (perParent.get(relay.parentHostId) ?? 0) + 1);
      relayCount.set(relay.hostId, (relayCount.get(relay.hostId) ?? 0) + 1);
      relayDepth.set(relay.hostId, Math.max(relayDepth.get(relay.hostId) ?? 0, relay.depth));
    }
    for (const [parent, n] of perParent) children.set(parent, Math.max(children.get(parent) ?? 0, n));
  }

  const usable = (peer: PeerRecord): boolean =>
    peer.hostId !== requester.hostId
    && !input.exclude.has(peer.hostId)
    && isEligibleParent(peer, input.histories.get(peer.hostId), now);
  const sources: Source[] = [{ peer: holder, depth: 0, children: children.get(holder.hostId) ?? 0 }];
  for (const [hostId, count] of relayCount) {
    const peer = input.peers.get(hostId);
    const depth = relayDepth.get(hostId)!;
    if (count !== offsets.length || peer === undefined || hostId === holder.hostId) continue;
    if (!usable(peer) || depth >= ownDepth) continue;
    sources.push({ peer, depth, children: children.get(hostId) ?? 0 });
  }

  const fanout = Math.max(1, input.fanout);
  sources.sort((a, b) => {
    const fullA = a.children >= fanout;
    const fullB = b.children >= fanout;
    if (fullA !== fullB) return fullA ? 1 : -1;
    const loadA = a.peer.currentUploads + a.peer.assigned;
    const loadB = b.peer.currentUploads + b.peer.assigned;
    if (loadA !== loadB) return loadA - loadB;
    if (a.depth !== b.depth) return a.depth - b.depth;
    if (a.children !== b.children) return a.children - b.children;
    return a.peer.hostId < b.peer.hostId ? -1 : a.peer.hostId > b.peer.hostId ? 1 : 0;
  });
  const picked = sources.slice(0, Math.max(1, input.maxParents));
  if (!picked.some((s) => s.peer.hostId === holder.hostId)) picked[picked.length - 1] = sources.find((s) => s.depth === 0)!;

  const first = picked[0]!;
  const relay: Relay = {
    hostId: requester.hostId,
    epoch: requester.epoch,
    parentHostId: first.peer.hostId,
    depth: first.depth + 1,
    rootHostId: lease.hostId,
    rootEpoch: lease.epoch,
    deadline: lease.deadline,
  };
  return {
    parents: picked.map((s) => ({ hostId: s.peer.hostId, peerUrl: s.peer.peerUrl, inProgress: true, score: 0 })),
    relays: offsets.map((offset) => ({ offset, relay: { ...relay } })),
  };
}
