/**
 * The P2P peer's Prometheus metrics (darner_p2p_*), in the daemon's registry. Origin traffic is
 * the fetch path's `darner_fetch_origin_bytes_total`; bytes received from peers are also counted
 * there (`darner_fetch_peer_bytes_total`), before verification.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { counterIn, reuseMetric } from '../metrics-registry.js';

export interface PeerMetrics {
  /** Stored bytes received from parents (every answer, before the fetch path verifies it). */
  downloadBytes: Counter;
  /** Stored bytes sent to other peers. */
  uploadBytes: Counter;
  /** Upload requests by answer: ok, unauthorized, not_held, busy, bad_request, slow (cut off), error. */
  uploads: Counter<'outcome'>;
  /**
   * Chunks uploaded whole, by where this node got them: origin, peer (second-hand: the cascade).
   * Chunks cached before this process started are not counted.
   */
  servedChunks: Counter<'from'>;
  /** Upload requests refused, by reason: unauthorized, not_held, busy. */
  uploadsRefused: Counter<'reason'>;
  /** Uploads sending bytes now / requests waiting for an in-progress chunk. */
  uploadsActive: Gauge;
  uploadsWaiting: Gauge;
  /** Bytes read from the cache for uploads and not yet written to their sockets. */
  uploadBufferedBytes: Gauge;
  /** Ranges offered by the fetch path, by what the scheduler said: parents, back_to_source, source, mixed, no_p2p. */
  resolves: Counter<'decision'>;
  /** Ranges a parent served (whose bytes the fetch path then verified). */
  candidateHits: Counter;
  /** Chunks this node was elected to fetch from the origin. */
  backToSourceChunks: Counter;
  /** Transfers from parents that failed, by reason: unreachable, busy, not_held, slow, refused, bad_answer. */
  parentFailures: Counter<'reason'>;
  /** BAD_DATA reports sent about parents. */
  badPeerReports: Counter;
  /** Ranges whose parents all answered busy, by what followed: wait (then a new resolve), origin (the wait bound ran out). */
  busyRanges: Counter<'step'>;
  /** Preheat tasks run by this (seed) node, by outcome: ok, failed. */
  preheats: Counter<'outcome'>;
}

/** The metrics in `registry` (shared with an earlier peer of the same registry); private ones without. */
export function peerMetrics(registry: Registry | undefined, live: () => { active: number; waiting: number; buffered: number } = () => ({ active: 0, waiting: 0, buffered: 0 })): PeerMetrics {
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
    busyRanges: counter('darner_p2p_busy_ranges_total', 'Ranges whose parents answered busy, by what followed (wait: a new resolve after a wait; origin: the wait bound ran out)', ['step']),
    preheats: counter('darner_p2p_preheats_total', 'Preheat tasks run by this seed, by outcome (ok, failed)', ['outcome']),
  };
}
