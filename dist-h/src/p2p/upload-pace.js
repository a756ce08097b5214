/**
 * The minimum pace an upload's requester must keep, pure. Only the time the server spends waiting
 * for the requester to take bytes (its socket is full) counts — not the server's own upload rate
 * limit, not its disk. Over every `windowMs` of such waiting the requester must take at least
 * `minBytesPerSecond × windowMs / 1000` bytes; otherwise the upload is cut off and its slot goes
 * to someone else. So a requester that stops reading holds a slot for at most about two windows
 * (the first may be paid for by bytes that went into the socket buffers), and one that reads at a
 * trickle for at most one window once the buffers are full.
 */
export class UploadPace {
    minBytesPerSecond;
    windowMs;
    #bytes = 0;
    #waitedMs = 0;
    /** `minBytesPerSecond` 0 (or `windowMs` 0): no minimum. */
    constructor(minBytesPerSecond, windowMs) {
        this.minBytesPerSecond = minBytesPerSecond;
        this.windowMs = windowMs;
    }
    get enforced() {
        return this.minBytesPerSecond > 0 && this.windowMs > 0;
    }
    /** Bytes the requester took (written without waiting, or drained after a wait). */
    took(bytes) {
        this.#bytes += bytes;
    }
    /** How long the current wait may last before this window is judged (Infinity without a minimum). */
    remainingMs() {
        return this.enforced ? Math.max(0, this.windowMs - this.#waitedMs) : Infinity;
    }
    /**
     * Records `ms` of waiting for the requester. False when a full window of waiting saw fewer bytes
     * than the minimum: cut the upload off. A window judged starts the next one empty.
     */
    waited(ms) {
        if (!this.enforced)
            return true;
        this.#waitedMs += ms;
        if (this.#waitedMs < this.windowMs)
            return true;
        const ok = this.#bytes >= (this.minBytesPerSecond * this.windowMs) / 1000;
        this.#bytes = 0;
        this.#waitedMs = 0;
        return ok;
    }
}
//# sourceMappingURL=upload-pace.js.map