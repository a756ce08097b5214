/**
 * The fetch path's Prometheus metrics (prom-client), in the registry the daemon passes in. One
 * fetcher per registry: a second one registering the same names shares the first one's metrics.
 * The cache's own size and corruption metrics are darner_cache_* (src/cache/metrics.ts).
 */
import { Gauge, Histogram } from 'prom-client';
import { counterIn, reuseMetric } from '../metrics-registry.js';
export function fetchMetrics(registry, queue) {
    const counter = counterIn(registry);
    return {
        originBytes: counter('darner_fetch_origin_bytes_total', 'Stored bytes received from origin registries (verified or not)'),
        originRequests: counter('darner_fetch_origin_requests_total', 'Range requests to origin registries, by outcome (ok, error)', ['outcome']),
        peerBytes: counter('darner_fetch_peer_bytes_total', 'Stored bytes received from P2P peers (verified or not)'),
        peerRequests: counter('darner_fetch_peer_requests_total', 'Ranges offered to the P2P source, by outcome (ok, declined, error, bad_data)', ['outcome']),
        cacheHitBytes: counter('darner_fetch_cache_hit_bytes_total', 'File bytes read served from the blob cache'),
        fetchedBytes: counter('darner_fetch_fetched_bytes_total', 'Stored bytes fetched (from any source), by priority (demand, prefetch)', ['priority']),
        verifyFailures: counter('darner_fetch_verify_failures_total', 'Fetched chunks that failed decoding or their digest, by source (origin, peer)', ['source']),
        readDuration: reuseMetric(registry, 'darner_fetch_read_duration_seconds', (registers) => new Histogram({
            name: 'darner_fetch_read_duration_seconds',
            help: 'Time to answer a file read (cache hits and fetches)',
            buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
            registers,
        })),
        readErrors: counter('darner_fetch_read_errors_total', 'File reads that failed, by error code', ['code']),
        inFlight: reuseMetric(registry, 'darner_fetch_in_flight', (registers) => new Gauge({
            name: 'darner_fetch_in_flight',
            help: 'Range requests running now',
            registers,
            collect() {
                this.set(queue().running);
            },
        })),
        queued: reuseMetric(registry, 'darner_fetch_queued', (registers) => new Gauge({
            name: 'darner_fetch_queued',
            help: 'Range requests waiting for a fetch slot',
            registers,
            collect() {
                this.set(queue().queued);
            },
        })),
    };
}
//# sourceMappingURL=metrics.js.map