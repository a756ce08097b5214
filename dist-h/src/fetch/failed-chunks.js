/**
 * A short memory of chunks whose fetch failed (not fetched by the deadline, or failing
 * verification from the origin twice), with the error. A read of such a chunk within the memory
 * fails at once with that error instead of fetching again: the kernel follows a failed read with
 * more reads of the same bytes (the retry of its readahead, the next pieces of the same read(2)),
 * and each of them would otherwise wait for a deadline of its own, or fetch a range that just
 * failed to verify once more.
 */
export class FailedChunks {
    #memoryMs;
    #max;
    /** Insertion order is failure order: the oldest entries come first. */
    #failures = new Map();
    constructor(memoryMs, max = 4096) {
        this.#memoryMs = memoryMs;
        this.#max = max;
    }
    remember(key, err, now) {
        if (this.#memoryMs <= 0)
            return;
        this.#failures.delete(key);
        this.#failures.set(key, { at: now, err });
        for (const oldest of this.#failures.keys()) {
            if (this.#failures.size <= this.#max)
                break;
            this.#failures.delete(oldest);
        }
    }
    /** The error of a failure of `key` less than the memory ago, if any. */
    recall(key, now) {
        const failure = this.#failures.get(key);
        if (failure === undefined)
            return undefined;
        if (now - failure.at < this.#memoryMs)
            return failure.err;
        this.#failures.delete(key);
        return undefined;
    }
    /** A fetch of `key` succeeded: its failure is over. */
    forget(key) {
        this.#failures.delete(key);
    }
}
//# sourceMappingURL=failed-chunks.js.map