/**
 * The blob cache's Prometheus metrics (prom-client), registered in the registry the daemon
 * passes in. One cache per registry: a second one registering the same names reuses the first
 * one's counters (its size gauge keeps reporting the first cache).
 */
import { Counter, Gauge } from 'prom-client';
import { reuseMetric } from '../metrics-registry.js';
export function cacheMetrics(registry, sizeBytes) {
    reuseMetric(registry, 'darner_cache_size_bytes', (registers) => new Gauge({
        name: 'darner_cache_size_bytes',
        help: 'Bytes allocated on disk by the blob cache (data, stored mirror, bitmaps, logs)',
        registers,
        async collect() {
            this.set((await sizeBytes()).bytes);
        },
    }));
    reuseMetric(registry, 'darner_cache_blobs', (registers) => new Gauge({
        name: 'darner_cache_blobs',
        help: 'Blobs in the blob cache',
        registers,
        async collect() {
            this.set((await sizeBytes()).blobs);
        },
    }));
    return {
        corruptChunks: reuseMetric(registry, 'darner_cache_corrupt_chunks_total', (registers) => new Counter({
            name: 'darner_cache_corrupt_chunks_total',
            help: 'Ready chunks whose bytes on disk failed verification (marked not ready and fetched again)',
            registers,
        })),
        committedChunks: reuseMetric(registry, 'darner_cache_committed_chunks_total', (registers) => new Counter({ name: 'darner_cache_committed_chunks_total', help: 'Chunks written to the cache and marked ready', registers })),
        writeFailures: reuseMetric(registry, 'darner_cache_write_failures_total', (registers) => new Counter({
            name: 'darner_cache_write_failures_total',
            help: 'Chunk batches that could not be written to the cache (disk full, I/O error); their reads were served from memory',
            registers,
        })),
        unsafeEntries: reuseMetric(registry, 'darner_cache_unsafe_entries_total', (registers) => new Counter({
            name: 'darner_cache_unsafe_entries_total',
            help: 'Entries in the cache directory refused because the daemon did not make them so (a symlink, another owner or type, a hard link)',
            registers,
        })),
    };
}
//# sourceMappingURL=metrics.js.map