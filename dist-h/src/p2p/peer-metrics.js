/**
 * The P2P peer's Prometheus metrics (darner_p2p_*), in the daemon's registry. Origin traffic is
 * the fetch path's `darner_fetch_origin_bytes_total`; bytes received from peers are also counted
 * there (`darner_fetch_peer_bytes_total`), before verification.
 */
import { Gauge } from 'prom-client';
import { counterIn, reuseMetric } from '../metrics-registry.js';
/** The metrics in `registry` (shared with an earlier peer of the same registry); private ones without. */
export function peerMetrics(registry, live = () => ({ active: 0, waiting: 0, buffered: 0 })) {
    const counter = counterIn(registry);
    return {
        downloadBytes: counter('darner_p2p_download_bytes_total', 'Stored bytes received from parent peers (before verification)'),
        uploadBytes: counter('darner_p2p_upload_bytes_total', 'Stored bytes served to other peers'),
        uploads: counter('darner_p2p_uploads_total', 'Upload requests from other peers, by outcome (ok, unauthorized, not_held, busy, bad_request, slow, error)', ['outcome']),
        servedChunks: counter('darner_p2p_served_chunks_total', 'Chunks served to other peers, by where this node got them (origin; peer: second-hand, passed on down the cascade)', ['from']),
        uploadsRefused: counter('darner_p2p_uploads_refused_total', 'Upload requests refused, by reason (unauthorized, not_held, busy)', ['reason']),
        uploadsActive: reuseMetric(registry, 'darner_p2p_uploads_active', (registers) => new Gauge({
            name: 'darner_p2p_uploads_active',
            help: 'Uploads sending bytes now',
            registers,
            collect() {
                this.set(live().active);
            },
        })),
        uploadsWaiting: reuseMetric(registry, 'darner_p2p_uploads_waiting', (registers) => new Gauge({
            name: 'darner_p2p_uploads_waiting',
            help: 'Upload requests waiting for chunks this node is fetching from the origin',
            registers,
            collect() {
                this.set(live().waiting);
            },
        })),
        uploadBufferedBytes: reuseMetric(registry, 'darner_p2p_upload_buffered_bytes', (registers) => new Gauge({
            name: 'darner_p2p_upload_buffered_bytes',
            help: 'Bytes read from the cache for uploads and not yet written to their sockets',
            registers,
            collect() {
                this.set(live().buffered);
            },
        })),
        resolves: counter('darner_p2p_resolves_total', 'Ranges offered to P2P, by the scheduler\'s decision (parents, back_to_source, source, mixed, no_p2p)', ['decision']),
        candidateHits: counter('darner_p2p_candidate_hits_total', 'Ranges served by a parent peer'),
        backToSourceChunks: counter('darner_p2p_back_to_source_chunks_total', 'Chunks this node was elected to fetch from the origin'),
        parentFailures: counter('darner_p2p_parent_failures_total', 'Transfers from parent peers that failed, by reason (unreachable, busy, not_held, slow, refused, bad_answer)', ['reason']),
        badPeerReports: counter('darner_p2p_bad_peer_reports_total', 'Parents reported for serving chunks that failed verification'),
        preheats: counter('darner_p2p_preheats_total', 'Preheat tasks run by this seed, by outcome (ok, failed)', ['outcome']),
    };
}
//# sourceMappingURL=peer-metrics.js.map