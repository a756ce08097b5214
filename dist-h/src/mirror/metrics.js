/** The registry mirror's metrics (darner_mirror_*). */
import { Counter } from 'prom-client';
export function mirrorMetrics(registry) {
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
//# sourceMappingURL=metrics.js.map