/**
 * Keeps the blob cache under `cache.max_size`: after chunks are committed, a mount goes away or
 * the daemon starts, it evicts the least recently used blobs that nothing holds (planEviction:
 * no lease, so no mount reads them and no fetch or peer upload runs; not named by a mount) until
 * the cache fits. A blob a mount reads is never evicted, so mounted images alone may keep the
 * cache above the limit: that is logged once each time it happens. Runs one pass at a time, at
 * most one per `minIntervalMs`; requests in between are folded into the next pass.
 */
import { Gauge } from 'prom-client';
import { planEviction } from '../cache/eviction-plan.js';
import { describeError } from '../errors.js';
import { log } from '../log.js';
import { counterIn, reuseMetric } from '../metrics-registry.js';
export class CacheLimit {
    #options;
    #minIntervalMs;
    #evictedBlobs;
    #evictedBytes;
    #unsubscribe;
    #running;
    #wanted = false;
    #timer;
    #lastPass = 0;
    #overLogged = false;
    #closed = false;
    constructor(options) {
        this.#options = options;
        this.#minIntervalMs = options.minIntervalMs ?? 1000;
        const counter = counterIn(options.metrics);
        this.#evictedBlobs = counter('darner_cache_evicted_blobs_total', 'Blobs evicted from the cache to keep it under cache.max_size');
        this.#evictedBytes = counter('darner_cache_evicted_bytes_total', 'Bytes freed by evicting blobs to keep the cache under cache.max_size');
        reuseMetric(options.metrics, 'darner_cache_max_size_bytes', (registers) => {
            const gauge = new Gauge({ name: 'darner_cache_max_size_bytes', help: 'The blob cache size limit, cache.max_size (0: none)', registers });
            gauge.set(options.maxBytes);
            return gauge;
        });
        this.#unsubscribe = options.maxBytes > 0 ? options.cache.onChange((event) => event.type === 'ready' && this.check()) : () => undefined;
    }
    /** Asks for a pass (soon, not at once: passes are coalesced). */
    check() {
        if (this.#closed || this.#options.maxBytes <= 0)
            return;
        this.#wanted = true;
        if (this.#running !== undefined || this.#timer !== undefined)
            return;
        const wait = Math.max(0, this.#lastPass + this.#minIntervalMs - Date.now());
        this.#timer = setTimeout(() => {
            this.#timer = undefined;
            this.#start();
        }, wait);
        this.#timer.unref();
    }
    /** Runs a pass now (after one under way) and resolves once the cache was checked. */
    async enforce() {
        if (this.#closed || this.#options.maxBytes <= 0)
            return;
        this.#wanted = true;
        if (this.#timer !== undefined)
            clearTimeout(this.#timer);
        this.#timer = undefined;
        while (this.#wanted && !this.#closed)
            await (this.#running ?? this.#start());
    }
    #start() {
        const running = this.#loop().finally(() => {
            this.#running = undefined;
            if (this.#wanted)
                this.check();
        });
        this.#running = running;
        return running;
    }
    async #loop() {
        while (this.#wanted && !this.#closed) {
            this.#wanted = false;
            this.#lastPass = Date.now();
            try {
                await this.#pass();
            }
            catch (err) {
                log.error({ err: describeError(err) }, 'blob cache: eviction pass failed');
            }
        }
    }
    async #pass() {
        const { cache, maxBytes } = this.#options;
        const plan = planEviction(await cache.usage(), maxBytes, new Set(this.#options.inUse()));
        if (plan.evict.length > 0) {
            const result = await cache.remove(plan.evict);
            this.#evictedBlobs.inc(result.removed.length);
            this.#evictedBytes.inc(result.freedBytes);
            log.info({ evicted: result.removed.length, freedBytes: result.freedBytes, cacheBytes: plan.totalBytes, maxBytes }, 'blob cache: evicted least recently used blobs');
        }
        if (plan.overBytes > 0 && !this.#overLogged) {
            log.warn({ cacheBytes: plan.totalBytes - plan.evictBytes, maxBytes }, 'blob cache: above cache.max_size with only blobs in use left (mounted images are never evicted)');
        }
        this.#overLogged = plan.overBytes > 0;
    }
    async close() {
        this.#closed = true;
        this.#unsubscribe();
        if (this.#timer !== undefined)
            clearTimeout(this.#timer);
        this.#timer = undefined;
        await this.#running;
    }
}
//# sourceMappingURL=cache-limit.js.map