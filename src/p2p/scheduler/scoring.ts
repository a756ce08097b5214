/**
 * Candidate scoring and ordering: PURE (no I/O, time passed in). Given the requester and the live
 * peers that hold what it wants, rank them. Every component is in [0, 1] and the score is their
 * weighted mean, so weights can be tuned without rescaling:
 *
 * - locality: the share of the requester's locality levels (config.localityKeys, most significant
 *   first, e.g. region > zone > rack) that the candidate matches from the top down. Same zone but
 *   another rack scores above another zone; a level the requester has no label for is skipped.
 * - load: 0.75 × free upload slots ((capacity − uploads − assigned) / capacity, floored at 0)
 *   + 0.25 × (1 − its recent upload bytes / the busiest candidate's). `assigned` counts the times
 *   this scheduler handed the peer out as first choice since its last heartbeat, less the
 *   transfers from it reported since (the store's noteReleased), so a burst of resolves spreads
 *   over holders before their reported load catches up, and a holder whose uploads ended is free
 *   again before its next heartbeat.
 * - history: 0.75 × success moving average (OK 1, SLOW 0.5, UNREACHABLE 0; 1 before any report)
 *   + 0.25 × its throughput / the fastest candidate's (0.5 while unknown).
 * - seed: 1 for seed peers (dedicated, well-provisioned), 0 otherwise.
 *
 * Excluded outright: the requester itself, peers with upload capacity 0, peers within their
 * bad-data exclusion, and hosts the requester asked to exclude. Saturated peers (no free slot, or
 * one that just answered the requester busy) are kept but ordered after every unsaturated one: a busy parent still beats the origin, and the
 * requester moves to the next candidate if it refuses. Ties break on host id, so the ranking is a
 * function of its inputs alone.
 */
import type { PeerHistory, PeerRecord, SchedulerConfig } from './model.js';

export interface RankedPeer {
  peer: PeerRecord;
  score: number;
  saturated: boolean;
}

export interface RankInput {
  requester: PeerRecord;
  candidates: Iterable<PeerRecord>;
  histories: ReadonlyMap<string, PeerHistory>;
  exclude?: ReadonlySet<string>;
  /** Hosts that just answered the requester busy (HTTP 503): ordered as saturated whatever their reported load. */
  busy?: ReadonlySet<string>;
  now: number;
  config: Pick<SchedulerConfig, 'localityKeys' | 'weights'>;
}

/** 1 when the locality keys the requester has all match, 0 when the most significant one differs. */
export function localityScore(
  requester: Record<string, string>,
  candidate: Record<string, string>,
  keys: readonly string[],
): number {
  let levels = 0;
  let matched = 0;
  let stillMatching = true;
  for (const key of keys) {
    const mine = requester[key];
    if (mine === undefined || mine === '') continue;
    levels += 1;
    if (stillMatching && candidate[key] === mine) matched += 1;
    else stillMatching = false;
  }
  return levels === 0 ? 0 : matched / levels;
}

/** Free share of upload slots, counting handed-out-but-unreported assignments as busy. */
export function freeSlots(peer: PeerRecord): number {
  if (peer.uploadCapacity <= 0) return 0;
  const busy = peer.currentUploads + peer.assigned;
  return Math.max(0, (peer.uploadCapacity - busy) / peer.uploadCapacity);
}

/** Whether a peer may be handed out as a parent at all (capacity, bad-data exclusion). */
export function isEligibleParent(peer: PeerRecord, history: PeerHistory | undefined, now: number): boolean {
  if (peer.uploadCapacity <= 0) return false;
  if (history !== undefined && history.badUntil > now) return false;
  return true;
}

/** Ranks the candidates best first. See the header for the formula. */
export function rankCandidates(input: RankInput): RankedPeer[] {
  const { requester, histories, now, config } = input;
  const eligible: PeerRecord[] = [];
  for (const peer of input.candidates) {
    if (peer.hostId === requester.hostId) continue;
    if (input.exclude?.has(peer.hostId)) continue;
    if (!isEligibleParent(peer, histories.get(peer.hostId), now)) continue;
    eligible.push(peer);
  }
  let maxBytes = 0;
  let maxThroughput = 0;
  for (const peer of eligible) {
    maxBytes = Math.max(maxBytes, peer.uploadBytes);
    maxThroughput = Math.max(maxThroughput, histories.get(peer.hostId)?.throughput ?? 0);
  }
  const w = config.weights;
  const totalWeight = w.locality + w.load + w.history + w.seed;
  const ranked = eligible.map((peer): RankedPeer => {
    const history = histories.get(peer.hostId);
    const locality = localityScore(requester.labels, peer.labels, config.localityKeys);
    const free = freeSlots(peer);
    const quiet = maxBytes > 0 ? 1 - peer.uploadBytes / maxBytes : 1;
    const load = 0.75 * free + 0.25 * quiet;
    const success = history?.success ?? 1;
    const throughput = history !== undefined && history.throughput > 0 && maxThroughput > 0
      ? history.throughput / maxThroughput
      : 0.5;
    const hist = 0.75 * success + 0.25 * throughput;
    const seed = peer.isSeed ? 1 : 0;
    const raw = w.locality * locality + w.load * load + w.history * hist + w.seed * seed;
    const score = totalWeight > 0 ? raw / totalWeight : 0;
    return { peer, score, saturated: free <= 0 || input.busy?.has(peer.hostId) === true };
  });
  ranked.sort((a, b) => {
    if (a.saturated !== b.saturated) return a.saturated ? 1 : -1;
    if (a.score !== b.score) return b.score - a.score;
    return a.peer.hostId < b.peer.hostId ? -1 : a.peer.hostId > b.peer.hostId ? 1 : 0;
  });
  return ranked;
}
