/**
 * What a Resolve answers, as the daemon uses it, and the check that turns the scheduler's wire
 * answer into it: only the offsets asked for, each once; parents with http(s) URLs, never this
 * node itself; whatever the answer left out is SOURCE.
 */
import type { WireChunkGroup } from './proto.js';

/** A candidate parent peer, best first in its group. */
export interface Parent {
  hostId: string;
  /** Base URL of the parent's HTTP data plane. */
  peerUrl: string;
  /**
   * The parent holds the back-to-source lease and is fetching the chunks from the origin now: its
   * server answers once it has them (wait at most until the group's leaseDeadline).
   */
  inProgress: boolean;
  /** In [0, 1]; informative, the order is what counts. */
  score: number;
}

/** What to do for some chunks of the blob. Offsets ascending. */
export type ResolveGroup =
  | { decision: 'PARENTS'; offsets: number[]; parents: Parent[]; /** ms since epoch when an in-progress parent's lease ends; 0 otherwise */ leaseDeadline: number }
  | { decision: 'BACK_TO_SOURCE'; offsets: number[]; /** ms since epoch; announce (or withdraw) before it */ leaseDeadline: number }
  | { decision: 'SOURCE'; offsets: number[] };

export interface ResolveResult {
  /** False when the scheduler was not consulted or did not answer: every chunk is then SOURCE. */
  p2p: boolean;
  /** Every requested offset (deduplicated) is in exactly one group. */
  groups: ResolveGroup[];
}

/** The scheduler's answer for `requested` offsets, checked (`selfHostId` is never a parent). */
export function checkResolveGroups(requested: readonly number[], wire: readonly WireChunkGroup[] | undefined, selfHostId: string): ResolveGroup[] {
  const left = new Set(requested);
  const out: ResolveGroup[] = [];
  for (const g of wire ?? []) {
    const offsets = (g.offsets ?? []).filter((o) => left.delete(o)).sort((a, b) => a - b);
    if (offsets.length === 0) continue;
    const deadline = Number.isSafeInteger(g.leaseDeadlineUnixMs) && g.leaseDeadlineUnixMs > 0 ? g.leaseDeadlineUnixMs : 0;
    if (g.decision === 'PARENTS') {
      const parents = (g.parents ?? []).filter((p) => p.hostId !== selfHostId && isHttpUrl(p.peerUrl)).map((p) => ({
        hostId: p.hostId,
        peerUrl: p.peerUrl,
        inProgress: p.inProgress === true,
        score: Number.isFinite(p.score) ? p.score : 0,
      }));
      out.push(parents.length > 0
        ? { decision: 'PARENTS', offsets, parents, leaseDeadline: deadline }
        : { decision: 'SOURCE', offsets });
    } else if (g.decision === 'BACK_TO_SOURCE') {
      out.push({ decision: 'BACK_TO_SOURCE', offsets, leaseDeadline: deadline });
    } else {
      out.push({ decision: 'SOURCE', offsets });
    }
  }
  if (left.size > 0) out.push({ decision: 'SOURCE', offsets: [...left].sort((a, b) => a - b) });
  return out;
}

function isHttpUrl(text: unknown): boolean {
  if (typeof text !== 'string' || text.length > 2048) return false;
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
