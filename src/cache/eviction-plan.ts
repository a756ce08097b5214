/**
 * Which blobs to evict to bring the cache under a size limit: the least recently used first,
 * among the blobs that nothing holds (no lease: no mount reads them, no fetch or upload runs)
 * and that the caller does not name as in use. Pure: the daemon's cache limiter does the I/O.
 */
import type { BlobUsage } from './types.js';

export interface EvictionPlan {
  /** Blob ids to remove, least recently used first. */
  evict: string[];
  /** Bytes they have allocated. */
  evictBytes: number;
  /** Bytes the cache holds now. */
  totalBytes: number;
  /** Bytes still above the limit once the plan is carried out (0 when it brings the cache under). */
  overBytes: number;
}

export function planEviction(usage: readonly BlobUsage[], maxBytes: number, inUse: ReadonlySet<string>): EvictionPlan {
  const totalBytes = usage.reduce((n, u) => n + u.allocatedBytes, 0);
  const evict: string[] = [];
  let left = totalBytes;
  if (left > maxBytes) {
    const candidates = usage
      .filter((u) => u.references === 0 && !inUse.has(u.id))
      .sort((a, b) => a.lastUse.getTime() - b.lastUse.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const u of candidates) {
      if (left <= maxBytes) break;
      evict.push(u.id);
      left -= u.allocatedBytes;
    }
  }
  return { evict, evictBytes: totalBytes - left, totalBytes, overBytes: Math.max(0, left - maxBytes) };
}
