/**
 * Host-level bandwidth limits of the P2P peer (one for uploads, one for downloads): a token
 * bucket over bytes (src/fetch/token-bucket.ts) shared by every transfer in that direction, so
 * the sum of all of them averages the configured rate.
 */
import { AbortedError } from '../errors.js';
import { TokenBucket } from '../fetch/token-bucket.js';
export class RateLimiter {
    bytesPerSecond;
    #bucket;
    /** `bytesPerSecond` 0 (or less) means unlimited. Burst: a quarter second, at least 256 KiB. */
    constructor(bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
        this.#bucket = bytesPerSecond > 0 ? new TokenBucket(bytesPerSecond, Math.max(256 * 1024, bytesPerSecond / 4), Date.now()) : undefined;
    }
    get unlimited() {
        return this.#bucket === undefined;
    }
    /** Takes `bytes` from the bucket, waiting as long as the rate asks. */
    async take(bytes, signal) {
        if (this.#bucket === undefined || bytes <= 0)
            return;
        const wait = this.#bucket.reserve(bytes, Date.now());
        if (wait <= 0)
            return;
        await new Promise((resolve, reject) => {
            if (signal?.aborted)
                return reject(new AbortedError('transfer aborted', { cause: signal.reason }));
            const onAbort = () => {
                clearTimeout(timer);
                reject(new AbortedError('transfer aborted', { cause: signal?.reason }));
            };
            const timer = setTimeout(() => {
                signal?.removeEventListener('abort', onAbort);
                resolve();
            }, wait);
            signal?.addEventListener('abort', onAbort, { once: true });
        });
    }
}
//# sourceMappingURL=rate-limit.js.map