/** A Resolve decision as it crosses the wire (the shape the client checks: resolve-groups.ts). */
import type { WireChunkGroup } from '../proto.js';
import type { ChunkGroup } from './model.js';

export function groupToWire(g: ChunkGroup): WireChunkGroup {
  switch (g.decision) {
    case 'PARENTS':
      return { decision: 'PARENTS', offsets: g.offsets, parents: g.parents, leaseDeadlineUnixMs: g.leaseDeadline };
    case 'BACK_TO_SOURCE':
      return { decision: 'BACK_TO_SOURCE', offsets: g.offsets, parents: [], leaseDeadlineUnixMs: g.leaseDeadline };
    case 'SOURCE':
      return { decision: 'SOURCE', offsets: g.offsets, parents: [], leaseDeadlineUnixMs: 0 };
  }
}
