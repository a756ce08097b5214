/** The registry mirror's metrics (darner_mirror_*). */
import { Counter, type Registry } from 'prom-client';

export interface MirrorMetrics {
  /** Blob bytes handed out, by where they came from (origin, peer, cache). */
  bytes: Counter<'source'>;
  /** Blobs fetched whole, by this node's role (lead: from the origin; follow: from its piece list; cached). */
  blobs: Counter<'role'>;
  /** Pieces that failed their digest (from a peer). */
  badPieces: Counter;
  /** Piece lists from peers that the origin's bytes proved wrong. */
  badPieceLists: Counter;
  /**
   * Pieces a follower took while its piece list was partial (its provider, the leader or a peer
   * following it, had not got the whole blob yet), by source (peer, origin, cache).
   */
  partialListPieces: Counter<'source'>;
  /** Requests answered, by kind (manifest, blob, other) and status. */
  requests: Counter<'kind' | 'status'>;
}

export function mirrorMetrics(registry?: Registry): MirrorMetrics {
  const registers = registry !== undefined ? [registry] : [];
  return {
    bytes: new Counter({ name: 'darner_mirror_blob_bytes_total', help: 'Blob bytes the mirror handed out, by source', labelNames: ['source'], registers }),
    blobs: new Counter({ name: 'darner_mirror_blobs_total', help: 'Blobs the mirror fetched whole, by role', labelNames: ['role'], registers }),
    badPieces: new Counter({ name: 'darner_mirror_bad_pieces_total', help: 'Pieces from peers that failed their digest', registers }),
    badPieceLists: new Counter({ name: 'darner_mirror_bad_piece_lists_total', help: 'Piece lists from peers that the origin proved wrong', registers }),
    partialListPieces: new Counter({ name: 'darner_mirror_partial_list_pieces_total', help: 'Pieces taken while the piece list was partial (its provider still fetching the blob), by source', labelNames: ['source'], registers }),
    requests: new Counter({ name: 'darner_mirror_requests_total', help: 'Mirror requests answered', labelNames: ['kind', 'status'], registers }),
  };
}
