/**
 * A token bucket, pure given the clock: `rate` tokens (bytes) per second, at most `burst`
 * saved up. `reserve(n, now)` takes n tokens (going into debt if needed) and says how long to
 * wait before using them, so a stream of reservations averages `rate`.
 */
export class TokenBucket {
    rate;
    burst;
    #tokens;
    #at;
    constructor(rate, burst, now) {
        this.rate = rate;
        this.burst = burst;
        this.#tokens = burst;
        this.#at = now;
    }
    /** Milliseconds to wait before `n` tokens may be used (0 when available now). */
    reserve(n, now) {
        this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) / 1000) * this.rate);
        this.#at = now;
        this.#tokens -= n;
        return this.#tokens >= 0 ? 0 : Math.ceil((-this.#tokens / this.rate) * 1000);
    }
}
//# sourceMappingURL=token-bucket.js.map